import { describe, expect, it } from "vitest";
import { htmlToText } from "../../src/text/html.ts";
import type { InlineHooks } from "../../src/text/inline.ts";
import { renderMarkdown, scanMarkdown } from "../../src/text/markdown.ts";

const hooks: InlineHooks = {
  mention: (handle) => (handle === "@bob@mastodon.test" ? `<span class="h-card" translate="no"><a href="https://mastodon.test/@bob" class="u-url mention">@<span>bob</span></a></span>` : null),
  hashtag: (name) => `<a href="https://roost.test/tags/${name.toLowerCase()}" class="mention hashtag" rel="tag">#<span>${name}</span></a>`,
};
const render = (text: string) => renderMarkdown(text, hooks);

const LINK_ATTRS = 'rel="nofollow noopener noreferrer" target="_blank"';

describe("markdown subset", () => {
  it.each([
    ["hello **world** and *you*", "<p>hello <strong>world</strong> and <em>you</em></p>"],
    ["~~gone~~ and **bold *inside***", "<p><del>gone</del> and **bold <em>inside</em>**</p>"],
    ["2 * 3 * 4", "<p>2 * 3 * 4</p>"],
    ["a\nb\n\nc", "<p>a<br>b</p><p>c</p>"],
    ["a\r\n\r\nb", "<p>a</p><p>b</p>"],
    ["`<b>` and `*x*`", "<p><code>&lt;b&gt;</code> and <code>*x*</code></p>"],
    ["```js\nif (a < b) {\n  **no**\n}\n```\nafter", "<pre><code>if (a &lt; b) {\n  **no**\n}</code></pre><p>after</p>"],
    ["~~~\nunclosed <i>", "<pre><code>unclosed &lt;i&gt;</code></pre>"],
    ["> quoted\n> **twice**\n\nnot", "<blockquote><p>quoted<br><strong>twice</strong></p></blockquote><p>not</p>"],
    ["> outer\n>> inner", "<blockquote><p>outer</p><blockquote><p>inner</p></blockquote></blockquote>"],
    ["- one\n- two\n  more\n* three", "<ul><li>one</li><li>two<br>more</li><li>three</li></ul>"],
    ["Shopping:\n1. milk\n2. *eggs*", "<p>Shopping:</p><ol><li>milk</li><li><em>eggs</em></li></ol>"],
    ["3) third\n4) fourth", '<ol start="3"><li>third</li><li>fourth</li></ol>'],
    ["-not a list", "<p>-not a list</p>"],
    ["# not a heading", "<p># not a heading</p>"],
    ["[site](https://example.com/a_b) ok", `<p><a href="https://example.com/a_b" ${LINK_ATTRS}>site</a> ok</p>`],
    ["see https://example.com/a?b=1&c=2.", `<p>see <a href="https://example.com/a?b=1&amp;c=2" ${LINK_ATTRS}>https://example.com/a?b=1&amp;c=2</a>.</p>`],
    ["hi @bob@mastodon.test!", '<p>hi <span class="h-card" translate="no"><a href="https://mastodon.test/@bob" class="u-url mention">@<span>bob</span></a></span>!</p>'],
    ["hi @Bob@Mastodon.test", '<p>hi <span class="h-card" translate="no"><a href="https://mastodon.test/@bob" class="u-url mention">@<span>bob</span></a></span></p>'],
    ["@ghost@nowhere.test stays", "<p>@ghost@nowhere.test stays</p>"],
    ["mail me at me@example.com", "<p>mail me at me@example.com</p>"],
    ["#Roost, #café and #2024 and a&#35;b", '<p><a href="https://roost.test/tags/roost" class="mention hashtag" rel="tag">#<span>Roost</span></a>, <a href="https://roost.test/tags/café" class="mention hashtag" rel="tag">#<span>café</span></a> and #2024 and a&amp;#35;b</p>'],
    ["https://example.com/#frag", `<p><a href="https://example.com/#frag" ${LINK_ATTRS}>https://example.com/#frag</a></p>`],
    ["", ""],
    ["  \n\n  ", ""],
  ])("%j", (input, html) => {
    expect(render(input)).toBe(html);
  });
});

describe("hostile input stays text", () => {
  it.each([
    ["<script>alert(1)</script>", "<p>&lt;script&gt;alert(1)&lt;/script&gt;</p>"],
    ['<img src=x onerror="alert(1)">', "<p>&lt;img src=x onerror=&quot;alert(1)&quot;&gt;</p>"],
    ["[x](javascript:alert(1))", "<p>[x](javascript:alert(1))</p>"],
    ["[x](data:text/html,<b>)", "<p>[x](data:text/html,&lt;b&gt;)</p>"],
    ['[x](https://a.test/" onmouseover="alert(1))', `<p>[x](<a href="https://a.test/" ${LINK_ATTRS}>https://a.test/</a>&quot; onmouseover=&quot;alert(1))</p>`],
    ['https://a.test/"><script>', `<p><a href="https://a.test/" ${LINK_ATTRS}>https://a.test/</a>&quot;&gt;&lt;script&gt;</p>`],
    ["[<b>bold</b>](https://a.test/)", `<p><a href="https://a.test/" ${LINK_ATTRS}>&lt;b&gt;bold&lt;/b&gt;</a></p>`],
    ["**<i>x</i>**", "<p><strong>&lt;i&gt;x&lt;/i&gt;</strong></p>"],
    ["> <iframe src=x>", "<blockquote><p>&lt;iframe src=x&gt;</p></blockquote>"],
    ["- <style>*{}</style>", "<ul><li>&lt;style&gt;*{}&lt;/style&gt;</li></ul>"],
    ["```\n</code></pre><script>x</script>\n```", "<pre><code>&lt;/code&gt;&lt;/pre&gt;&lt;script&gt;x&lt;/script&gt;</code></pre>"],
    ["#<b>tag</b>", "<p>#&lt;b&gt;tag&lt;/b&gt;</p>"],
    ["&lt; &amp; &#60;", "<p>&amp;lt; &amp;amp; &amp;#60;</p>"],
  ])("%j", (input, html) => {
    expect(render(input)).toBe(html);
  });

  // Mastodon keeps these elements and attributes (lib/sanitize_ext/sanitize_config.rb); our output
  // must never need its sanitiser.
  const ELEMENTS = new Set(["p", "br", "a", "span", "strong", "em", "del", "code", "pre", "blockquote", "ul", "ol", "li"]);
  const ATTRIBUTES = new Set(["href", "rel", "class", "translate", "target", "start"]);
  const PIECES = ["<", ">", "&", '"', "'", "*", "**", "~~", "`", "```", "\n", "\n\n", "> ", "- ", "1. ", "[", "]", "(", ")", "https://x.test/", "javascript:", "@bob@mastodon.test", "#tag", " ", "a", "<script>", "onerror=", "<a href=", "</p>"];

  it("random mixes of Markdown and markup give only Mastodon-kept elements and attributes", () => {
    let seed = 42;
    const next = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31);
    for (let round = 0; round < 500; round++) {
      const text = Array.from({ length: 1 + (next() % 40) }, () => PIECES[next() % PIECES.length]).join("");
      const html = render(text);
      for (const [, closing, name, attrs] of html.matchAll(/<(\/?)([a-z0-9]+)([^>]*)>/g)) {
        expect(ELEMENTS, `${name} in ${JSON.stringify(text)}`).toContain(name);
        if (closing) continue;
        for (const [, attr, value] of attrs!.matchAll(/\s([a-z-]+)="([^"]*)"/g)) {
          expect(ATTRIBUTES, `${attr} in ${JSON.stringify(text)}`).toContain(attr);
          if (attr === "href") expect(value).toMatch(/^https:\/\//);
        }
        expect(attrs!.replace(/\s[a-z-]+="[^"<>]*"/g, "")).toBe("");
      }
      const opened = [...html.matchAll(/<(p|a|span|strong|em|del|code|pre|blockquote|ul|ol|li)[\s>]/g)].length;
      expect([...html.matchAll(/<\/(p|a|span|strong|em|del|code|pre|blockquote|ul|ol|li)>/g)].length, JSON.stringify(text)).toBe(opened);
    }
  });

  it("bounds quote nesting", () => {
    const html = render(`${">".repeat(5000)} deep`);
    expect(html.match(/<blockquote>/g)?.length).toBe(4);
    expect(html).toContain("&gt; deep");
  });
});

describe("scanning", () => {
  it("finds mentions and hashtags outside code, once each", () => {
    expect(scanMarkdown("@Bob@Mastodon.test #Tag #tag `@x@code.test #code`\n```\n@y@block.test\n```\n> @q@quote.test #Quoted")).toEqual({
      mentions: ["@bob@mastodon.test", "@q@quote.test"],
      hashtags: ["Tag", "Quoted"],
    });
  });
});

describe("HTML content from C2S clients", () => {
  it.each([
    ["<p>Hello <b>world</b></p><p>second<br>line</p>", "Hello world\n\nsecond\nline"],
    ["<ul><li>a</li><li>b</li></ul>", "a\nb"],
    ["a &lt;b&gt; &amp; &#x1F600; &#65; &bogus; &#9999999;", "a <b> & 😀 A &bogus; &#9999999;"],
    ["plain text @bob@mastodon.test", "plain text @bob@mastodon.test"],
  ])("%j", (html, text) => {
    expect(htmlToText(html)).toBe(text);
  });
});
