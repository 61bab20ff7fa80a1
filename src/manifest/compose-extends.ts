import type { ManifestIssue, SourceLocation } from '../model/issue.js';
import type { ComposeDraft, ServiceDraft } from './compose-draft.js';
import type { LoadedComposeFile } from './compose-file.js';
import { mergeService } from './compose-merge.js';

/** Opens the Compose file an `extends.file` names (reporting a missing one); null when it cannot be read. */
export type ExtendsFileOpener = (absolutePath: string, namedAt: SourceLocation) => LoadedComposeFile | null;

/**
 * Resolves `extends:` the way Compose does, per file and before overlays are merged: the
 * extended service (itself resolved first, from this file or another one) is the base, and the
 * extending service's keys are merged over it with the overlay merge rules. The other file's
 * relative paths were resolved against its own folder when it was read. A missing service is
 * PHX-EXTENDS-MISSING, a cycle PHX-EXTENDS-CYCLE; either leaves the service as it is written.
 */
export class ExtendsResolver {
  private readonly resolved = new Map<string, ServiceDraft>();
  private readonly reportedCycles = new Set<string>();

  constructor(
    private readonly open: ExtendsFileOpener,
    private readonly report: (issue: ManifestIssue) => void,
    /** Told what a failed extends leaves unknown (the image), so that no second error is made of it. */
    private readonly leftOut: (keyPath: readonly string[]) => void,
  ) {}

  /** The file's draft with every service's `extends` resolved. */
  resolveFile(file: LoadedComposeFile): ComposeDraft {
    if (file.extends.size === 0) return file.draft;
    const services = new Map(file.draft.services);
    for (const name of file.extends.keys()) {
      const service = this.service(file, name, []);
      if (service !== undefined) services.set(name, service);
    }
    return { ...file.draft, services };
  }

  private service(file: LoadedComposeFile, name: string, chain: readonly { file: LoadedComposeFile; name: string }[]): ServiceDraft | undefined {
    const own = file.draft.services.get(name);
    const ref = file.extends.get(name);
    if (own === undefined || ref === undefined) return own;
    const id = `${file.path}#${name}`;
    const done = this.resolved.get(id);
    if (done !== undefined) return done;
    const at = chain.findIndex((link) => link.file.path === file.path && link.name === name);
    if (at !== -1) {
      this.reportCycle([...chain.slice(at), { file, name }], ref.location);
      this.leftOut(['services', name, 'image']);
      return own;
    }
    const baseFile = ref.file === undefined ? file : this.open(ref.file, ref.location);
    if (baseFile === null) return this.failed(id, own);
    if (!baseFile.draft.services.has(ref.service)) {
      const known = [...baseFile.draft.services.keys()].sort().join(', ');
      this.report({
        code: 'PHX-EXTENDS-MISSING',
        severity: 'error',
        location: ref.location,
        path: `services.${name}.extends`,
        message: `service "${name}" extends "${ref.service}", which ${baseFile.path === file.path ? 'this file does not define' : `${baseFile.display} does not define`}.`,
        remediation: `Correct the name (services there: ${known === '' ? 'none' : known}), or name the file that defines it with extends.file.`,
      });
      return this.failed(id, own);
    }
    const base = this.service(baseFile, ref.service, [...chain, { file, name }]);
    if (base === undefined) return this.remember(id, own);
    return this.remember(id, { ...mergeService(base, own), name, location: own.location });
  }

  private failed(id: string, service: ServiceDraft): ServiceDraft {
    this.leftOut(['services', service.name, 'image']);
    return this.remember(id, service);
  }

  private remember(id: string, service: ServiceDraft): ServiceDraft {
    this.resolved.set(id, service);
    return service;
  }

  private reportCycle(cycle: readonly { file: LoadedComposeFile; name: string }[], location: SourceLocation): void {
    const first = cycle[0]!.file.path;
    const shown = cycle.map((link) => (link.file.path === first ? link.name : `${link.file.display}:${link.name}`));
    const id = [...new Set(cycle.map((link) => `${link.file.path}#${link.name}`))].sort().join(',');
    if (this.reportedCycles.has(id)) return;
    this.reportedCycles.add(id);
    const name = cycle[cycle.length - 1]!.name;
    this.report({
      code: 'PHX-EXTENDS-CYCLE',
      severity: 'error',
      location,
      path: `services.${name}.extends`,
      message: `extends forms a cycle: ${shown.join(' -> ')}.`,
      remediation: 'Remove one of these extends: a service cannot extend itself, even through others.',
    });
  }
}
