/**
 * Renders the data tree of `markdown.ts` as Preact elements. Text only ever reaches the DOM as
 * text nodes (Preact escapes it); there is no `dangerouslySetInnerHTML` anywhere in the UI, so a
 * skill's `<script>` or `onerror=` is shown, never run.
 */
import type { ComponentChildren } from "preact";
import { type Block, type Inline, parseMarkdown } from "../markdown.js";

function renderInline(nodes: Inline[]): ComponentChildren {
  return nodes.map((n, i) => {
    switch (n.t) {
      case "text":
        return n.v;
      case "code":
        return <code key={i}>{n.v}</code>;
      case "em":
        return <em key={i}>{renderInline(n.c)}</em>;
      case "strong":
        return <strong key={i}>{renderInline(n.c)}</strong>;
      case "br":
        return <br key={i} />;
      case "link":
        return n.href === null ? (
          <span key={i} class="link-blocked" title="link target not allowed">
            {renderInline(n.c)}
          </span>
        ) : (
          <a key={i} href={n.href} target="_blank" rel="noopener noreferrer nofollow">
            {renderInline(n.c)}
          </a>
        );
      default:
        return null;
    }
  });
}

function renderBlock(b: Block, key: number): ComponentChildren {
  switch (b.t) {
    case "h": {
      const H = `h${Math.min(b.level + 1, 6)}` as "h2";
      return <H key={key}>{renderInline(b.c)}</H>;
    }
    case "p":
      return <p key={key}>{renderInline(b.c)}</p>;
    case "code":
      return (
        <pre key={key} data-lang={b.lang || undefined}>
          <code>{b.v}</code>
        </pre>
      );
    case "hr":
      return <hr key={key} />;
    case "quote":
      return <blockquote key={key}>{b.c.map(renderBlock)}</blockquote>;
    case "list": {
      const items = b.items.map((item, i) => (
        <li key={i}>
          {item.length === 1 && item[0]!.t === "p" ? renderInline(item[0]!.c) : item.map(renderBlock)}
        </li>
      ));
      return b.ordered ? (
        <ol key={key} start={b.start}>
          {items}
        </ol>
      ) : (
        <ul key={key}>{items}</ul>
      );
    }
    case "table":
      return (
        <div key={key} class="table-scroll">
          <table>
            <thead>
              <tr>
                {b.head.map((c, i) => (
                  <th key={i}>{renderInline(c)}</th>
                ))}
              </tr>
            </thead>
            <tbody>
              {b.rows.map((r, i) => (
                <tr key={i}>
                  {r.map((c, j) => (
                    <td key={j}>{renderInline(c)}</td>
                  ))}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      );
    default:
      return null;
  }
}

/** The rendered body of a markdown file (headings are shifted one level down under the page's h1). */
export function MarkdownView(props: { text: string }) {
  return <div class="markdown">{parseMarkdown(props.text).map(renderBlock)}</div>;
}
