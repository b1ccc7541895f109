// What a container rewrite gives back: the bytes to store (metadata gone) and the size a viewer
// shows, read from the headers without decoding a pixel.
export interface CleanImage {
  bytes: Uint8Array;
  /** As displayed: a JPEG's kept EXIF orientation 5–8 (a quarter turn) swaps the stored axes. */
  width: number;
  height: number;
}

export type Rewrite = ({ ok: true } & CleanImage) | { ok: false; error: string };

/** The refusal of a file whose container does not parse. */
export const invalid = (what: string) => ({ ok: false as const, error: `the file is not a valid ${what}` });
export const undecodable = (what: string): Rewrite => invalid(what);
