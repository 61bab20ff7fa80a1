/**
 * The restart token, kept for this tab only (sessionStorage: gone when the tab closes, never
 * in the URL, never sent anywhere but this origin's /api/ requests as a header).
 */

const KEY = 'phoenix.restart-token';

/** The stored token, or null when none was given yet (or storage is off). */
export function readToken(): string | null {
  try {
    return sessionStorage.getItem(KEY);
  } catch {
    return null;
  }
}

/** Keeps the token for this tab. */
export function storeToken(token: string): void {
  try {
    sessionStorage.setItem(KEY, token);
  } catch {
    // Storage off (private mode): the page asks again next time.
  }
}

/** Forgets the token (the server refused it). */
export function forgetToken(): void {
  try {
    sessionStorage.removeItem(KEY);
  } catch {
    // Nothing stored.
  }
}

/**
 * Takes a token from the address's fragment (`#token=…`, what `phoenix watch --print-page-url`
 * prints; browsers never send a fragment to the server), keeps it for the tab, and removes it
 * from the address bar so that it is not bookmarked or shared with the URL.
 */
export function adoptTokenFromFragment(location: Location, history: History): void {
  const match = /^#token=([A-Za-z0-9_-]+)$/.exec(location.hash);
  if (match === null) return;
  storeToken(match[1]!);
  history.replaceState(null, '', `${location.pathname}${location.search}`);
}
