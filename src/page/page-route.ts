/**
 * The telemetry server's route for the live status page (`/` and `/page/*`): the built files
 * with the page's security headers, or 503 saying how to build the page.
 */
import type { ServerResponse } from 'node:http';
import { PAGE_HEADERS, lookupPageAsset } from './page-assets.js';

/**
 * Answers a request for a page path; false when the path is not the page's (the caller
 * answers it). Only GET reaches here: the server answers 405 to anything else.
 */
export async function servePage(res: ServerResponse, pathname: string): Promise<boolean> {
  const found = await lookupPageAsset(pathname);
  if (found === undefined) return false;
  if (found.kind === 'not-built') {
    res.writeHead(503, { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store' });
    res.end(found.message);
    return true;
  }
  res.writeHead(200, { ...PAGE_HEADERS, 'content-type': found.asset.contentType, 'content-length': String(found.asset.body.length) });
  res.end(found.asset.body);
  return true;
}
