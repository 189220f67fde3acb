/**
 * CodeMirror 6 editors: {@link MarkdownEditor} (editable, markdown highlighting) and
 * {@link DiffView} / {@link TextView} (read-only). Each owns one `EditorView` for its lifetime; a new
 * `value` from outside replaces the document without recreating the view.
 */
import { markdown } from "@codemirror/lang-markdown";
import { getChunks, unifiedMergeView } from "@codemirror/merge";
import { EditorState, type Extension } from "@codemirror/state";
import { basicSetup, EditorView } from "codemirror";
import { useEffect, useLayoutEffect, useRef } from "preact/hooks";

function langFor(path: string): Extension[] {
  return /\.(md|markdown)$/i.test(path) || path === "" ? [markdown()] : [];
}

function useView(
  make: (parent: HTMLElement) => EditorView,
  deps: unknown[],
): { ref: { current: HTMLDivElement | null }; view: { current: EditorView | null } } {
  const ref = useRef<HTMLDivElement | null>(null);
  const view = useRef<EditorView | null>(null);
  useEffect(() => {
    if (!ref.current) return;
    view.current = make(ref.current);
    return () => {
      view.current?.destroy();
      view.current = null;
    };
  }, deps);
  return { ref, view };
}

/**
 * An editable markdown editor. `onChange` gets the whole text after every edit. The editor owns its
 * document: `value` is pushed into it only when it changes to something the editor did not emit itself
 * (a whole-file or per-hunk choice, a reset after save), and in a layout effect, so a stale `value`
 * from a render that raced a keystroke can never overwrite what the user just typed.
 */
export function MarkdownEditor(props: {
  value: string;
  onChange: (text: string) => void;
  path?: string;
  label: string;
  id?: string;
}) {
  const onChange = useRef(props.onChange);
  onChange.current = props.onChange;
  const known = useRef(props.value);
  const { ref, view } = useView(
    (parent) =>
      new EditorView({
        parent,
        state: EditorState.create({
          doc: props.value,
          extensions: [
            basicSetup,
            ...langFor(props.path ?? ""),
            EditorView.lineWrapping,
            EditorView.contentAttributes.of({ "aria-label": props.label }),
            EditorView.updateListener.of((u) => {
              if (!u.docChanged) return;
              const text = u.state.doc.toString();
              if (text === known.current) return; // our own push of `value`, not an edit
              known.current = text;
              onChange.current(text);
            }),
          ],
        }),
      }),
    [props.path],
  );
  useLayoutEffect(() => {
    if (props.value === known.current) return;
    known.current = props.value;
    const v = view.current;
    if (v && v.state.doc.toString() !== props.value)
      v.dispatch({ changes: { from: 0, to: v.state.doc.length, insert: props.value } });
  }, [props.value, view]);
  return <div class="cm-host" ref={ref} id={props.id} data-testid="editor" />;
}

/** Read-only text with highlighting. */
export function TextView(props: { value: string; path?: string; label: string }) {
  const { ref } = useView(
    (parent) =>
      new EditorView({
        parent,
        state: EditorState.create({
          doc: props.value,
          extensions: [
            basicSetup,
            ...langFor(props.path ?? ""),
            EditorView.lineWrapping,
            EditorState.readOnly.of(true),
            EditorView.editable.of(false),
            EditorView.contentAttributes.of({ "aria-label": props.label }),
          ],
        }),
      }),
    [props.value, props.path],
  );
  return <div class="cm-host cm-readonly" ref={ref} />;
}

/** Scrolls a diff view so its first changed chunk is in sight (after the first layout). */
function scrollToFirstChange(view: EditorView): EditorView {
  const first = getChunks(view.state)?.chunks[0];
  if (first)
    requestAnimationFrame(() => {
      // scroll only the editor's own scroller, never the page around it
      if (view.dom.isConnected)
        view.scrollDOM.scrollTop = Math.max(0, view.lineBlockAt(first.fromB).top - 24);
    });
  return view;
}

/**
 * A unified, read-only diff from `before` to `after` (deleted lines shown struck through above the
 * inserted ones). Long unchanged stretches are folded.
 */
export function DiffView(props: { before: string; after: string; path?: string; label: string }) {
  const { ref } = useView(
    (parent) =>
      scrollToFirstChange(
        new EditorView({
          parent,
          state: EditorState.create({
            doc: props.after,
            extensions: [
              basicSetup,
              ...langFor(props.path ?? ""),
              EditorView.lineWrapping,
              EditorState.readOnly.of(true),
              EditorView.editable.of(false),
              EditorView.contentAttributes.of({ "aria-label": props.label }),
              unifiedMergeView({
                original: props.before,
                mergeControls: false,
                gutter: true,
                collapseUnchanged: { margin: 3, minSize: 6 },
              }),
            ],
          }),
        }),
      ),
    [props.before, props.after, props.path],
  );
  return <div class="cm-host cm-readonly cm-diff" ref={ref} data-testid="diff" />;
}
