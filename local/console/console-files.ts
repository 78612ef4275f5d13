import { readFileSync, statSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The web console's static files as the twin serves them under `<base>/console/`: the pages,
 * their shared module and style sheet (the repo's `console/` folder), the chart libraries'
 * browser builds (from node_modules, so there is no build step and no copy to go stale), and
 * the daily digests (HTML files written elsewhere). The read-only JSON API under
 * `/console/api/` is not a file and is not answered here.
 */

/** A file to answer with. */
export interface ConsoleFile {
  body: Buffer;
  contentType: string;
}

/** Where to look. Both are optional; tests pass them to serve a temporary folder. */
export interface ConsoleFileOptions {
  /** The folder holding the daily digests (`<YYYY-MM-DD>.html`); without it no digest is served. */
  digestsDir?: string;
  /** The repo root holding `console/` and `node_modules/`; defaults to the one this file is in. */
  root?: string;
}

const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** Only these kinds are served: anything else in the folder (notes, editor backups) stays private. */
const CONTENT_TYPES: Record<string, string> = {
  html: 'text/html; charset=utf-8',
  js: 'text/javascript; charset=utf-8',
  css: 'text/css; charset=utf-8',
  svg: 'image/svg+xml',
  json: 'application/json; charset=utf-8',
};

/** The three UMD builds the chart pages load, in the order they must run (vega-embed needs the other two). */
const VENDOR: Record<string, string> = {
  'vega.min.js': 'node_modules/vega/build/vega.min.js',
  'vega-lite.min.js': 'node_modules/vega-lite/build/vega-lite.min.js',
  'vega-embed.min.js': 'node_modules/vega-embed/build/vega-embed.min.js',
};

/**
 * A plain file name: no separator, no leading dot (so neither `..` nor a hidden file), no `%`
 * (a name still holding an escape after decoding was encoded twice, which no page links to).
 */
const FILE_NAME = /^[A-Za-z0-9][A-Za-z0-9_-]*(?:\.[A-Za-z0-9_-]+)*\.([a-z]+)$/;
const DIGEST_NAME = /^\d{4}-\d{2}-\d{2}\.html$/;

/**
 * Maps a URL path under `/console/` to the file to answer with, or `undefined` when there is
 * none: `/console` and `/console/` are the live feed (`console/index.html`);
 * `/console/vendor/<vega|vega-lite|vega-embed>.min.js` the libraries' builds;
 * `/console/digests/<YYYY-MM-DD>.html` a digest in `options.digestsDir`; `/console/<file>` a
 * file of `console/`. Anything else is refused with `undefined`: `..` (plain or percent-encoded),
 * sub-folders, unknown extensions and missing files, so the caller answers 404 for all of them
 * and leaks nothing about what exists.
 *
 * @param pathname - the request's path, still percent-encoded, without the query string
 * @param options - where the digests are, and another root (tests)
 */
export function consoleFile(pathname: string, options: ConsoleFileOptions = {}): ConsoleFile | undefined {
  const root = options.root ?? REPO_ROOT;
  if (pathname === '/console' || pathname === '/console/') return read(root, join('console', 'index.html'));
  if (!pathname.startsWith('/console/')) return undefined;
  let rest: string;
  try {
    // Decode before checking, so `%2e%2e` and `%2f` are seen as the `..` and `/` they stand for.
    rest = decodeURIComponent(pathname.slice('/console/'.length));
  } catch {
    return undefined;
  }
  const parts = rest.split('/');
  const [first, second] = parts;
  if (first === undefined) return undefined;
  if (parts.length === 1) return FILE_NAME.test(first) ? read(root, join('console', first)) : undefined;
  if (parts.length !== 2 || second === undefined || !FILE_NAME.test(second)) return undefined;
  if (first === 'vendor') {
    const file = VENDOR[second];
    return file === undefined ? undefined : read(root, file);
  }
  if (first === 'digests' && options.digestsDir !== undefined && DIGEST_NAME.test(second)) {
    return read(options.digestsDir, second);
  }
  return undefined;
}

/** Reads `file` under `dir` if it is a regular file of a served kind; a last check keeps it inside `dir`. */
function read(dir: string, file: string): ConsoleFile | undefined {
  const contentType = CONTENT_TYPES[file.slice(file.lastIndexOf('.') + 1)];
  if (contentType === undefined) return undefined;
  const path = join(dir, file);
  const inside = relative(dir, path);
  if (inside.startsWith(`..${sep}`) || inside === '..') return undefined;
  try {
    if (!statSync(path).isFile()) return undefined;
    return { body: readFileSync(path), contentType };
  } catch {
    return undefined;
  }
}
