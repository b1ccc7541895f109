// Text the owner CLI prints from the node (ids, hosts, error messages: remote servers chose them)
// without control characters or bidi overrides, so it cannot move the cursor, recolour, retitle or
// rewrite the terminal, or forge another line (#8 rule 11).
export function clean(value) {
  return String(value).replace(/[\u0000-\u001f\u007f-\u009f\u200e\u200f\u202a-\u202e\u2066-\u2069]/g, "");
}
