/** Doctor checks of Phoenix's state directory: its owner and mode, and its keys'. Pure. */
import type { DoctorCheck } from './doctor-check.js';
import { ok, problem } from './doctor-check.js';
import type { DoctorFacts } from './host-facts.js';

function octal(mode: number): string {
  return mode.toString(8).padStart(4, '0');
}

/** The state directory: this user's, and not writable (nor readable) by others. */
export function stateDirCheck(facts: DoctorFacts): DoctorCheck {
  const id = 'state.dir';
  const title = 'state directory permissions';
  const { path, file } = facts.stateDir;
  if (!file.exists) return ok(id, title, `${path} does not exist yet: the first command creates it with mode 0700`);
  if (!file.isDirectory) return problem('fail', id, title, `${path} is not a directory`, 'Remove it, or point --state-dir / PHOENIX_STATE_DIR at a directory.');
  if (file.uid !== facts.user.uid) return problem('fail', id, title, `${path} belongs to uid ${file.uid}, not ${facts.user.name}`, `Use a state directory of your own (--state-dir), or \`chown -R ${facts.user.name} ${path}\`.`);
  if ((file.mode & 0o022) !== 0) {
    return problem('fail', id, title, `${path} has mode ${octal(file.mode)}: other users may replace its keys and locks`, `\`chmod 0700 ${path}\``);
  }
  if ((file.mode & 0o077) !== 0) return problem('warn', id, title, `${path} has mode ${octal(file.mode)}: other users may read it`, `\`chmod 0700 ${path}\``);
  return ok(id, title, `${path}, mode ${octal(file.mode)}`);
}

/** Key files (`*.key`): readable by this user only. */
export function stateKeysCheck(facts: DoctorFacts): DoctorCheck {
  const id = 'state.keys';
  const title = 'state directory keys';
  const keys = facts.stateDir.keys;
  if (keys.length === 0) return ok(id, title, 'no key yet: secret-digest.key is created on first use (mode 0600)');
  const exposed = keys.filter((key) => key.file.exists && ((key.file.mode & 0o077) !== 0 || key.file.uid !== facts.user.uid));
  if (exposed.length > 0) {
    const list = exposed.map((key) => `${key.name} (${key.file.exists ? octal(key.file.mode) : '?'})`).join(', ');
    return problem('fail', id, title, `${list}: readable by others, who can then forge what the key protects`, `\`chmod 0600 ${exposed.map((key) => `${facts.stateDir.path}/${key.name}`).join(' ')}\` (and replace the key if others may have read it)`);
  }
  return ok(id, title, `${keys.map((key) => key.name).join(', ')}: mode 0600`);
}
