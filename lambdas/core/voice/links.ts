import LinkifyIt from 'linkify-it';

/**
 * Links in a reply, found as people write them: with a scheme (`https://…`) or without
 * (`acme.example/help`, `www.acme.com`). linkify-it (markdown-it's link finder) does the finding:
 * trailing punctuation, brackets and quotes around a link are what it is made for. Emails are
 * not links here (the personal-data check reads them).
 */

/** A link in the text: its span (UTF-16 offsets) and host, lower-cased. */
export interface FoundLink {
  start: number;
  end: number;
  url: string;
  host: string;
}

let finder: LinkifyIt | undefined;
const extraTlds = new Set<string>();

/** The finder, taught the TLDs of the allowed domains (a test TLD such as `.example` is not in its list). */
function linkFinder(domains: readonly string[]): LinkifyIt {
  finder ??= new LinkifyIt();
  const tlds = domains.map((d) => d.slice(d.lastIndexOf('.') + 1)).filter((t) => !extraTlds.has(t));
  if (tlds.length > 0) {
    finder.tlds(tlds, true);
    for (const t of tlds) extraTlds.add(t);
  }
  return finder;
}

/** Every link in the text, in order. `knownDomains` makes links to those domains found even on TLDs linkify does not know. */
export function findLinks(text: string, knownDomains: readonly string[] = []): FoundLink[] {
  const matches = linkFinder(knownDomains).match(text) ?? [];
  return matches
    .filter((m) => m.schema !== 'mailto:')
    .flatMap((m) => {
      try {
        return [{ start: m.index, end: m.lastIndex, url: m.url, host: new URL(m.url).hostname.toLowerCase() }];
      } catch {
        return [];
      }
    });
}

/** Whether a host is one of the domains or under one of them (`help.acme.example` under `acme.example`). */
export function hostAllowed(host: string, domains: readonly string[]): boolean {
  const h = host.replace(/\.$/, '');
  return domains.some((d) => h === d || h.endsWith(`.${d}`));
}
