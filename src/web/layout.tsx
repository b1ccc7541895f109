// The HTML shell of every page: small, no scripts, readable without CSS.
import type { Child } from "hono/jsx";

export function Layout(props: { title: string; alternate?: string; children: Child }) {
  return (
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <title>{props.title}</title>
        {props.alternate && <link rel="alternate" type="application/activity+json" href={props.alternate} />}
        <style>{`body{font:16px/1.5 system-ui,sans-serif;max-width:40rem;margin:2rem auto;padding:0 1rem;color:#222}
img.avatar{width:96px;height:96px;border-radius:8px}article{border-top:1px solid #ddd;padding:1rem 0}
.meta{color:#666;font-size:.9em}dl{display:grid;grid-template-columns:max-content 1fr;gap:.25rem 1rem}`}</style>
      </head>
      <body>{props.children}</body>
    </html>
  );
}
