// A small Markdown subset to Mastodon-safe HTML. Blocks: paragraphs (single newlines become
// <br>), ``` fenced code, > quotes, - and 1. lists; inline: see inline.ts. Anything else is
// escaped text, so the output only holds elements Mastodon keeps
// (p br a span strong em del code pre blockquote ul ol li).
import { escapeHtml } from "./html.ts";
import { type InlineHooks, renderInline, renderPlainInline } from "./inline.ts";

const FENCE = /^ {0,3}(`{3,}|~{3,})/;
const QUOTE = /^ {0,3}> ?/;
const BULLET = /^ {0,3}[-*+][ \t]+(?=\S)/;
const ORDERED = /^ {0,3}(\d{1,9})[.)][ \t]+(?=\S)/;
/** Deeper quotes stay as text: bounds the recursion whatever the input. */
const MAX_QUOTE_DEPTH = 4;

const startsBlock = (line: string) => FENCE.test(line) || QUOTE.test(line) || BULLET.test(line) || ORDERED.test(line);
const blank = (line: string) => line.trim() === "";

/** The index of the first line from `from` that fails `keep`. */
function runEnd(lines: string[], from: number, keep: (line: string) => boolean): number {
  let i = from;
  while (i < lines.length && keep(lines[i]!)) i++;
  return i;
}

function paragraph(lines: string[], hooks: InlineHooks): string {
  return `<p>${lines.map((line) => renderInline(line.trim(), hooks)).join("<br>")}</p>`;
}

function list(lines: string[], from: number, hooks: InlineHooks): { html: string; next: number } {
  const marker = ORDERED.test(lines[from]!) ? ORDERED : BULLET;
  const items: string[][] = [];
  let i = from;
  while (i < lines.length && !blank(lines[i]!)) {
    const line = lines[i]!;
    const item = marker.exec(line);
    if (item) items.push([line.slice(item[0].length)]);
    else if (startsBlock(line)) break;
    else items.at(-1)!.push(line);
    i++;
  }
  const start = marker === ORDERED ? Number(ORDERED.exec(lines[from]!)![1]) : 1;
  const tag = marker === ORDERED ? "ol" : "ul";
  const body = items.map((item) => `<li>${item.map((line) => renderInline(line.trim(), hooks)).join("<br>")}</li>`).join("");
  return { html: `<${tag}${start !== 1 ? ` start="${start}"` : ""}>${body}</${tag}>`, next: i };
}

function blocks(lines: string[], hooks: InlineHooks, depth: number): string {
  let html = "";
  let i = 0;
  while (i < lines.length) {
    const line = lines[i]!;
    if (blank(line)) {
      i++;
      continue;
    }
    const fence = FENCE.exec(line);
    if (fence) {
      const closing = new RegExp(`^ {0,3}${fence[1]![0] === "`" ? "`" : "~"}{${fence[1]!.length},}\\s*$`);
      const end = runEnd(lines, i + 1, (l) => !closing.test(l));
      html += `<pre><code>${escapeHtml(lines.slice(i + 1, end).join("\n"))}</code></pre>`;
      i = end + 1;
    } else if (QUOTE.test(line) && depth < MAX_QUOTE_DEPTH) {
      const end = runEnd(lines, i, (l) => QUOTE.test(l));
      html += `<blockquote>${blocks(lines.slice(i, end).map((l) => l.replace(QUOTE, "")), hooks, depth + 1)}</blockquote>`;
      i = end;
    } else if (BULLET.test(line) || ORDERED.test(line)) {
      const rendered = list(lines, i, hooks);
      html += rendered.html;
      i = rendered.next;
    } else {
      const end = runEnd(lines, i + 1, (l) => !blank(l) && !startsBlock(l));
      html += paragraph(lines.slice(i, end), hooks);
      i = end;
    }
  }
  return html;
}

export function renderMarkdown(text: string, hooks: InlineHooks): string {
  return blocks(text.replace(/\r\n?/g, "\n").split("\n"), hooks, 0);
}

/**
 * Plain text as Mastodon renders a post from an app: paragraphs at blank lines, line breaks as
 * <br>, URLs, mentions and hashtags linked, every other character as written (no Markdown).
 */
export function renderPlainText(text: string, hooks: InlineHooks): string {
  return text
    .replace(/\r\n?/g, "\n")
    .split(/\n[ \t]*\n+/)
    .filter((p) => p.trim() !== "")
    .map((p) => `<p>${p.split("\n").map((line) => renderPlainInline(line, hooks)).join("<br>")}</p>`)
    .join("");
}

/** The mentions (lower-cased `@user@host`) and hashtags the text renders, code excluded. */
export function scanMarkdown(text: string): { mentions: string[]; hashtags: string[] } {
  const mentions = new Set<string>();
  const hashtags = new Map<string, string>();
  renderMarkdown(text, {
    mention(handle) {
      mentions.add(handle);
      return null;
    },
    hashtag(name) {
      if (!hashtags.has(name.toLowerCase())) hashtags.set(name.toLowerCase(), name);
      return "";
    },
  });
  return { mentions: [...mentions], hashtags: [...hashtags.values()] };
}
