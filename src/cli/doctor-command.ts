/** `phoenix doctor`: is this host ready for Phoenix, as this user? Exits 1 on a blocking problem. */
import type { DoctorCheck } from '../doctor/doctor-check.js';
import { doctorFailed } from '../doctor/doctor-check.js';
import { diagnose } from '../doctor/doctor.js';
import type { DoctorFacts } from '../doctor/host-facts.js';
import { probeHost } from '../doctor/probe-host.js';
import { resolveStateDir } from '../state/digest-key.js';
import type { CliIo } from './io.js';
import { EXIT } from './io.js';

export interface DoctorOptions {
  readonly stateDir?: string;
  readonly json?: boolean;
}

/** Gathers the facts; a test passes a double of the host (above the Podman module). */
export type HostProbe = (env: Readonly<Record<string, string | undefined>>, stateDir: string) => Promise<DoctorFacts>;

const MARK: Readonly<Record<DoctorCheck['status'], string>> = { ok: 'ok  ', warn: 'warn', fail: 'FAIL' };

function renderText(checks: readonly DoctorCheck[]): string {
  const lines = checks.flatMap((check) => [`${MARK[check.status]}  ${check.title}: ${check.detail}`, ...(check.remedy === undefined ? [] : [`      remedy: ${check.remedy}`])]);
  const [fails, warns] = [checks.filter((c) => c.status === 'fail').length, checks.filter((c) => c.status === 'warn').length];
  const verdict = fails > 0 ? `${fails} blocking problem${fails === 1 ? '' : 's'}, ${warns} warning${warns === 1 ? '' : 's'}` : `ready, ${warns} warning${warns === 1 ? '' : 's'}`;
  return `${lines.join('\n')}\n\ndoctor: ${verdict}\n`;
}

/** Runs every check and prints them; EXIT.failure when any failed. */
export async function runDoctor(options: DoctorOptions, io: CliIo, probe: HostProbe = probeHost): Promise<number> {
  const stateDir = resolveStateDir(options.stateDir, io.env);
  const checks = diagnose(await probe(io.env, stateDir));
  const failed = doctorFailed(checks);
  if (options.json === true) io.stdout(`${JSON.stringify({ ok: !failed, checks }, null, 2)}\n`);
  else io.stdout(renderText(checks));
  return failed ? EXIT.failure : EXIT.ok;
}
