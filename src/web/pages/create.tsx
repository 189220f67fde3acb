/** Create: kind, name, description and body from a template, validated as you type, saved to the collection. */
import { useMemo, useState } from "preact/hooks";
import { type ApiError, api } from "../api.js";
import type { ArtifactDetail, ArtifactKind, CreateRequest } from "../api-types.js";
import { ErrorBox } from "../components/common.js";
import { MarkdownEditor } from "../components/editor.js";
import { artifactHref, go } from "../router.js";
import { bodyTemplate, LIMITS, newArtifactText, validateMain } from "../validation.js";

const KINDS: ArtifactKind[] = ["skill", "command", "agent", "prompt"];

/** The create page. */
export function CreatePage() {
  const [kind, setKind] = useState<ArtifactKind>("skill");
  const [name, setName] = useState("");
  const [description, setDescription] = useState("");
  // the template follows kind and name until the body is edited
  const [customBody, setCustomBody] = useState<string | null>(null);
  const body = customBody ?? bodyTemplate(kind, name);
  const [touched, setTouched] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ApiError | undefined>(undefined);
  const text = useMemo(
    () => newArtifactText({ kind, name, description, body }),
    [kind, name, description, body],
  );
  const problems = useMemo(() => validateMain({ kind, name }, text), [kind, name, text]);
  const errors = problems.filter((p) => p.severity === "error");
  const nameErrors = errors.filter((p) => /\bname\b/.test(p.message) && !/description/.test(p.message));
  const descErrors = errors.filter((p) => /description/.test(p.message));
  const otherErrors = errors.filter((p) => !nameErrors.includes(p) && !descErrors.includes(p));
  const show = touched || name.length > 0;
  const submit = async (e: Event) => {
    e.preventDefault();
    setTouched(true);
    if (errors.length > 0) return;
    setBusy(true);
    setError(undefined);
    try {
      const req: CreateRequest = { kind, name, text };
      const d = await api<ArtifactDetail>("/api/ui/artifacts", { method: "POST", body: req });
      go(artifactHref(d));
    } catch (err) {
      setError(err as ApiError);
    } finally {
      setBusy(false);
    }
  };
  return (
    <section aria-labelledby="create-title">
      <div class="page-head">
        <h1 id="create-title">New artifact</h1>
      </div>
      <form class="create-form" onSubmit={submit} noValidate>
        <label>
          Kind
          <select
            value={kind}
            onChange={(e) => {
              const k = (e.target as HTMLSelectElement).value as ArtifactKind;
              setKind(k);
            }}
          >
            {KINDS.map((k) => (
              <option key={k} value={k}>
                {k}
              </option>
            ))}
          </select>
        </label>
        <label>
          Name
          <input
            name="name"
            value={name}
            autoComplete="off"
            spellcheck={false}
            aria-invalid={show && nameErrors.length > 0}
            aria-describedby="name-help"
            onInput={(e) => setName((e.target as HTMLInputElement).value)}
          />
        </label>
        <div id="name-help" class="field-help" aria-live="polite" data-testid="name-help">
          {show && nameErrors.length > 0 ? (
            <span class="bad-text">{nameErrors.map((p) => p.message).join("; ")}</span>
          ) : (
            <span class="muted">
              {kind === "skill"
                ? "1–64 characters: lowercase letters, digits and single hyphens (Agent Skills rule)."
                : "Letters, digits, '_', '.', '-'; becomes the file name."}
            </span>
          )}
        </div>
        <label>
          Description
          <textarea
            name="description"
            rows={3}
            value={description}
            aria-invalid={touched && descErrors.length > 0}
            aria-describedby="desc-help"
            onInput={(e) => setDescription((e.target as HTMLTextAreaElement).value)}
          />
        </label>
        <div id="desc-help" class="field-help" aria-live="polite">
          {touched && descErrors.length > 0 ? (
            <span class="bad-text">{descErrors.map((p) => p.message).join("; ")}</span>
          ) : (
            <span class={description.length > LIMITS.description ? "bad-text" : "muted"}>
              {description.length}/{LIMITS.description} characters. Say what it does and when to use it.
            </span>
          )}
        </div>
        <div class="label">Body</div>
        <MarkdownEditor value={body} onChange={setCustomBody} path="body.md" label="Body (markdown)" />
        {touched && otherErrors.length > 0 ? (
          <ul class="bad-text">
            {otherErrors.map((p, i) => (
              <li key={i}>{p.message}</li>
            ))}
          </ul>
        ) : null}
        {error ? <ErrorBox error={error} /> : null}
        <div class="form-actions">
          <a class="button" href="#/">
            Cancel
          </a>
          <button type="submit" class="primary" disabled={busy} data-testid="create">
            {busy ? "Saving…" : "Save to collection"}
          </button>
        </div>
      </form>
    </section>
  );
}
