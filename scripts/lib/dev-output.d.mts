// Types of dev-output.mjs for the TypeScript tests (test/node/dev.test.ts).
export interface MigrationsApplied {
  upToDate: boolean;
  migrations: { name: string; applied: boolean }[];
}
export function parseMigrationsApply(stdout: string): MigrationsApplied;
export function migrationReport(result: MigrationsApplied, ok: boolean): string[] | null;

export type DevLine = { kind: "ready"; url: string } | { kind: "hide" | "show" };
export interface DevOutputFilter {
  expectRequest(method: string, pathname: string): void;
  stopExpecting(): void;
  classify(rawLine: string): DevLine;
}
export function createDevOutputFilter(): DevOutputFilter;

export function lineSplitter(onLine: (line: string) => void): { push(chunk: string): void; end(): void };
