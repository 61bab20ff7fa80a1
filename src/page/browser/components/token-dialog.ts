/**
 * Asks for the restart token once per tab: a modal <dialog> (focus moves into it, Escape
 * cancels, focus goes back to the button that opened it) with a password field.
 */
import { html } from 'htm/preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import type { VNode } from 'preact';

/** Props of TokenDialog. */
export interface TokenDialogProps {
  /** What the token is asked for, e.g. `restart web in dev`. */
  readonly purpose: string;
  /** Why it is asked again (the last one was refused), if it is. */
  readonly problem: string | null;
  onSubmit(token: string): void;
  onCancel(): void;
}

/** The token prompt; shown modal while mounted. */
export function TokenDialog(props: TokenDialogProps): VNode {
  const dialog = useRef<HTMLDialogElement>(null);
  const [token, setToken] = useState('');
  useEffect(() => {
    const element = dialog.current;
    if (element !== null && !element.open) element.showModal();
    return () => element?.close();
  }, []);
  const submit = (event: Event): void => {
    event.preventDefault();
    props.onSubmit(token.trim());
  };
  return html`
    <dialog ref=${dialog} class="token-dialog" aria-labelledby="token-title" onCancel=${(event: Event) => (event.preventDefault(), props.onCancel())}>
      <form method="dialog" onSubmit=${submit}>
        <h2 id="token-title">Token needed</h2>
        <p>To ${props.purpose}, enter the token <code>phoenix watch</code> printed at start (also in the file <code>watch-token</code> of its state directory). It is kept for this tab only.</p>
        ${props.problem === null ? null : html`<p class="refusal" role="alert">${props.problem}</p>`}
        <label for="token-input">Token</label>
        <input id="token-input" type="password" autocomplete="off" spellcheck=${false} value=${token} onInput=${(event: Event) => setToken((event.target as HTMLInputElement).value)} />
        <div class="dialog-buttons">
          <button type="submit" class="primary">Send</button>
          <button type="button" onClick=${() => props.onCancel()}>Cancel</button>
        </div>
      </form>
    </dialog>
  `;
}
