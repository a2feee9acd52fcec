// The Markdown that the link check of test/docs/links.test.ts reads: headings and their anchors
// as GitHub makes them, and the links of a document outside its code.
import fs from 'node:fs';
import path from 'node:path';

const FENCE = /^ {0,3}(`{3,}|~{3,})/;

/** The lines of a document that are not inside a fenced code block. */
export function proseLines(text: string): { line: number; text: string }[] {
  const out: { line: number; text: string }[] = [];
  let fence: string | null = null;
  text.split('\n').forEach((raw, i) => {
    const m = FENCE.exec(raw);
    if (fence) {
      if (m && m[1][0] === fence[0] && m[1].length >= fence.length && raw.trim() === m[1]) fence = null;
      return;
    }
    if (m) {
      fence = m[1];
      return;
    }
    out.push({ line: i + 1, text: raw });
  });
  return out;
}

/** A line without its inline code spans (`...`, ``...``). */
export function withoutCodeSpans(line: string): string {
  return line.replace(/(`+)[\s\S]*?\1/g, ' ');
}

/** The text GitHub renders for a heading: no code ticks, emphasis markers, link targets or HTML tags. */
function headingText(raw: string): string {
  return raw
    .replace(/\s+#+\s*$/, '')                     // closing #s
    .replace(/!?\[([^\]]*)\]\([^)]*\)/g, '$1')    // [text](url) -> text
    .replace(/<[^>]+>/g, '')                      // inline HTML
    .replace(/`/g, '')
    .replace(/(\*\*|__|\*|~~)/g, '')
    .trim();
}

/** GitHub's anchor of a heading text (github-slugger): lower case, punctuation and symbols
 * removed (letters and digits of every script, `_` and `-` kept), each space a `-`. */
export function slugOf(text: string): string {
  return headingText(text).toLowerCase().replace(/[^\p{L}\p{M}\p{N}\p{Pc} -]/gu, '').replace(/ /g, '-');
}

/** The anchors of a document, in order; a repeated heading gets -1, -2, ... as on GitHub. */
export function anchorsOf(text: string): string[] {
  const seen = new Map<string, number>();
  const anchors: string[] = [];
  const add = (base: string) => {
    let slug = base;
    while (seen.has(slug)) {
      const n = (seen.get(base) ?? 0) + 1;
      seen.set(base, n);
      slug = `${base}-${n}`;
    }
    seen.set(slug, 0);
    anchors.push(slug);
  };
  const lines = proseLines(text);
  lines.forEach(({ text: line }, i) => {
    const atx = /^ {0,3}#{1,6}[ \t]+(.*)$/.exec(line) ?? /^ {0,3}#{1,6}$/.exec(line);
    if (atx) return add(slugOf(atx[1] ?? ''));
    const next = lines[i + 1];
    // Setext heading: a text line followed at once by === or --- (not a table's separator).
    if (next && next.line === lines[i].line + 1 && /^ {0,3}(=+|-+)\s*$/.test(next.text) &&
      line.trim() !== '' && !/^\s*([-*+]|\d+\.)\s/.test(line) && !line.includes('|')) add(slugOf(line.trim()));
  });
  for (const m of text.matchAll(/<a\s+(?:name|id)="([^"]+)"/g)) anchors.push(m[1]);
  return anchors;
}

export interface Link { line: number; target: string }

/** Every link target outside code: [text](target), ![alt](target), <autolink>, [ref]: target,
 * and bare http(s) URLs (GitHub links those too). */
export function linksOf(text: string): Link[] {
  const links: Link[] = [];
  for (const { line, text: raw } of proseLines(text)) {
    const prose = withoutCodeSpans(raw);
    for (const m of prose.matchAll(/!?\[(?:[^\]\\]|\\.)*\]\(\s*<?([^\s)>]*)>?(?:\s+"[^"]*")?\s*\)/g)) links.push({ line, target: m[1] });
    for (const m of prose.matchAll(/<((?:https?|ftp|mailto):[^>\s]+)>/gi)) links.push({ line, target: m[1] });
    const ref = /^ {0,3}\[[^\]]+\]:\s*<?(\S+?)>?(?:\s+.*)?$/.exec(prose);
    if (ref) links.push({ line, target: ref[1] });
    const bare = prose.replace(/!?\[(?:[^\]\\]|\\.)*\]\([^)]*\)/g, ' ').replace(/<[^>]*>/g, ' ');
    for (const m of bare.matchAll(/\b(?:https?:\/\/|www\.)[^\s)<>]+/gi)) links.push({ line, target: m[0] });
  }
  return links;
}

/** README.md and every Markdown file under docs/, as paths relative to the repository. */
export function markdownFiles(root: string): string[] {
  const files = [ 'README.md' ];
  const walk = (dir: string) => {
    for (const entry of fs.readdirSync(path.join(root, dir), { withFileTypes: true })) {
      const rel = path.posix.join(dir, entry.name);
      if (entry.isDirectory()) walk(rel);
      else if (entry.name.toLowerCase().endsWith('.md')) files.push(rel);
    }
  };
  walk('docs');
  return files.sort();
}

/** What is wrong with the links of one document (empty: nothing). */
export function brokenLinks(root: string, file: string): string[] {
  const problems: string[] = [];
  const text = fs.readFileSync(path.join(root, file), 'utf8');
  for (const { line, target } of linksOf(text)) {
    const where = `${file}:${line}: ${target}`;
    if (/^[a-z][a-z0-9+.-]*:/i.test(target) || target.startsWith('//') || /^www\./i.test(target)) {
      problems.push(`${where}: points outside the repository (allowed only in code)`);
      continue;
    }
    if (target === '') {
      problems.push(`${where}: empty link`);
      continue;
    }
    const hash = target.indexOf('#');
    const filePart = decodeURIComponent(hash < 0 ? target : target.slice(0, hash));
    const anchor = hash < 0 ? null : decodeURIComponent(target.slice(hash + 1));
    let resolved = filePart === '' ? file : path.posix.normalize(path.posix.join(path.posix.dirname(file), filePart));
    if (resolved.startsWith('..')) {
      problems.push(`${where}: leaves the repository`);
      continue;
    }
    const abs = path.join(root, resolved);
    if (!fs.existsSync(abs)) {
      problems.push(`${where}: no file ${resolved}`);
      continue;
    }
    if (fs.statSync(abs).isDirectory()) {
      if (anchor === null) continue;
      resolved = path.posix.join(resolved, 'README.md');
      if (!fs.existsSync(path.join(root, resolved))) {
        problems.push(`${where}: an anchor into a folder without README.md`);
        continue;
      }
    }
    if (anchor === null) continue;
    if (!resolved.toLowerCase().endsWith('.md')) {
      problems.push(`${where}: an anchor into a file that is not Markdown`);
      continue;
    }
    if (!anchorsOf(fs.readFileSync(path.join(root, resolved), 'utf8')).includes(anchor)) {
      problems.push(`${where}: no heading of ${resolved} has the anchor #${anchor}`);
    }
  }
  return problems;
}
