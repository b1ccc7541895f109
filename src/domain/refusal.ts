// What the owner's own requests are refused with, in Mastodon's words: 404 `Record not found`, or
// 422 `Validation failed: …` (ActiveRecord's messages), so the surfaces answer them unchanged.
export type Refusal = { ok: false; status: 404 | 422; error: string };

export const refuse = (error: string, status: 404 | 422 = 422): Refusal => ({ ok: false, status, error });
export const NOT_FOUND = refuse("Record not found", 404);

export const isRefusal = (v: unknown): v is Refusal => typeof v === "object" && v !== null && (v as Refusal).ok === false;

/** A title Mastodon requires (presence), with a bound of ours on its length. */
export function checkTitle(title: string, max: number): Refusal | null {
  if (!title.trim()) return refuse("Validation failed: Title can't be blank");
  if (title.length > max) return refuse(`Validation failed: Title is too long (maximum is ${max} characters)`);
  return null;
}
