// FEP-044f quote rows (src/domain/quotes.ts writes them): the lookups the federation routes and the
// entity builder share.
import { and, eq } from "drizzle-orm";
import type { Database } from "../client.ts";
import { quotes } from "../schema.ts";

export type QuoteRow = typeof quotes.$inferSelect;
export type QuoteState = QuoteRow["state"];

export async function quoteById(db: Database, id: string): Promise<QuoteRow | null> {
  const [row] = await db.select().from(quotes).where(eq(quotes.id, id));
  return row ?? null;
}

export async function quoteOf(db: Database, statusUri: string): Promise<QuoteRow | null> {
  const [row] = await db.select().from(quotes).where(eq(quotes.statusUri, statusUri));
  return row ?? null;
}

/** The quote of `quotedUri` made by `statusUri`, if that is what it quotes. */
export async function quoteOfPost(db: Database, quotedUri: string, statusUri: string): Promise<QuoteRow | null> {
  const [row] = await db.select().from(quotes).where(and(eq(quotes.statusUri, statusUri), eq(quotes.quotedUri, quotedUri)));
  return row ?? null;
}
