import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { nodeReader } from '../manifest/node-reader.js';
import { formatIssue } from '../model/issue.js';
import { initEnvironment } from '../init/init-environment.js';
import { environmentsDir } from './environment-loading.js';
import type { EnvironmentOptions } from './environment-loading.js';
import type { CliIo } from './io.js';
import { EXIT } from './io.js';
import { runValidate } from './validate-command.js';

export interface InitOptions extends EnvironmentOptions {
  /** The compose file to start from. */
  readonly from: string;
  /** Environment name (default `dev`). */
  readonly env?: string;
  readonly project?: string;
  readonly force?: boolean;
}

/**
 * `phoenix init --from FILE`: writes `<environments>/<env>.yaml` for an existing compose
 * project, then validates it exactly as `phoenix validate` does. Exit 0 when the written
 * environment is valid, 1 when it was not written (an existing file, a missing compose file)
 * or does not validate yet (the problems are printed; the file stays, to be fixed).
 */
export function runInit(options: InitOptions, io: CliIo): number {
  const name = options.env ?? 'dev';
  const display = (absolute: string): string => {
    const relative = path.relative(io.cwd, absolute);
    return relative.startsWith('..') || path.isAbsolute(relative) ? absolute : relative;
  };
  const result = initEnvironment({
    composeFile: path.resolve(io.cwd, options.from),
    environmentsDir: environmentsDir(options, io),
    name,
    ...(options.project === undefined ? {} : { project: options.project }),
    force: options.force === true,
    reader: nodeReader,
    processEnv: io.env,
    homeDir: io.env.HOME ?? os.homedir(),
    display,
  });
  if (!result.ok) {
    for (const issue of result.issues) io.stderr(`${formatIssue(issue)}\n`);
    io.stderr('phoenix: no environment file was written.\n');
    return EXIT.failure;
  }
  try {
    mkdirSync(path.dirname(result.file), { recursive: true });
    // 'wx' fails if the file appeared since it was checked: init never overwrites unless forced.
    writeFileSync(result.file, result.text, { flag: options.force === true ? 'w' : 'wx' });
  } catch (error) {
    io.stderr(`phoenix: cannot write ${display(result.file)}: ${(error as Error).message}\n`);
    return EXIT.failure;
  }
  const { needs } = result.draft;
  const openings = [
    needs.privileged.length > 0 ? 'privileged containers' : '',
    needs.hostNetwork.length > 0 ? 'the host network' : '',
    needs.capabilities.size > 0 ? `capabilities ${[...needs.capabilities.keys()].join(', ')}` : '',
    needs.hostPaths.size > 0 ? `host paths ${[...needs.hostPaths.keys()].join(', ')}` : '',
    needs.secretPaths.size > 0 ? `secret files ${[...needs.secretPaths.keys()].join(', ')}` : '',
    needs.buildContexts.size > 0 ? `build contexts ${[...needs.buildContexts.keys()].join(', ')}` : '',
  ].filter((text) => text !== '');
  io.stdout(`wrote ${display(result.file)} (project ${result.draft.project}, ${needs.secrets.length} secret source${needs.secrets.length === 1 ? '' : 's'}; policy opened for ${openings.length === 0 ? 'nothing' : openings.join('; ')})\n`);
  return runValidate({ ...options, env: [name] }, io);
}
