import { realpathSync } from 'node:fs';
import path from 'node:path';

/**
 * Where a host path really leads: symbolic links resolved for the longest prefix that
 * exists, the rest appended as written (Compose creates a missing bind source; its parent's
 * links still count). A symlink to `/` inside an allowed folder therefore resolves to `/`.
 */
export function resolveRealPath(absolutePath: string): string {
  const resolved = path.resolve(absolutePath);
  const rest: string[] = [];
  let current = resolved;
  for (;;) {
    try {
      return path.join(realpathSync.native(current), ...rest);
    } catch {
      const parent = path.dirname(current);
      if (parent === current) return resolved;
      rest.unshift(path.basename(current));
      current = parent;
    }
  }
}
