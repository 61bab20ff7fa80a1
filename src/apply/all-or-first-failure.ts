/**
 * Runs tasks side by side under one signal. The first to fail aborts the others; this
 * resolves once all have settled (nothing keeps running in the background) and rethrows
 * that first failure. Aborting `parent` aborts every task.
 */
export async function allOrFirstFailure(parent: AbortSignal, tasks: readonly ((signal: AbortSignal) => Promise<void>)[]): Promise<void> {
  if (tasks.length === 0) return;
  const controller = new AbortController();
  const forward = (): void => controller.abort(parent.reason);
  if (parent.aborted) forward();
  else parent.addEventListener('abort', forward, { once: true });
  let failure: { error: unknown } | null = null;
  try {
    await Promise.all(
      tasks.map((task) =>
        Promise.resolve()
          .then(() => task(controller.signal))
          .catch((error: unknown) => {
            if (failure === null) {
              failure = { error };
              controller.abort(error);
            }
          }),
      ),
    );
  } finally {
    parent.removeEventListener('abort', forward);
  }
  if (failure !== null) throw (failure as { error: unknown }).error;
}
