import { describe, expect, it } from "vitest";
import example from "../../.dev.vars.example?raw";
import { ConfigError, EXAMPLE_OWNER_TOKEN, parseConfig, type Settings } from "../../src/config.ts";

const valid = {
  USERNAME: "me",
  WEB_ORIGIN: "https://social.example.com",
  OWNER_TOKEN: "0123456789abcdef0123",
} as Settings;

function errorOf(env: Partial<Settings>): ConfigError {
  try {
    parseConfig({ ...valid, ...env } as Settings);
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error("expected a ConfigError");
}

describe("configuration", () => {
  it("derives defaults from the minimum settings", () => {
    const config = parseConfig(valid);
    expect(config.handleDomain).toBe("social.example.com");
    expect(config.displayName).toBe("me");
    expect(config.manuallyApprovesFollowers).toBe(false);
    expect(config.localDev).toBe(false);
    expect(config.fields).toEqual([]);
    expect(config.plan).toBe("free");
  });

  it("reads the plan", () => {
    expect(parseConfig({ ...valid, PLAN: "paid" }).plan).toBe("paid");
    expect(parseConfig({ ...valid, PLAN: " Free " }).plan).toBe("free");
  });

  it("keeps a separate handle domain", () => {
    expect(parseConfig({ ...valid, HANDLE_DOMAIN: "Example.com" }).handleDomain).toBe("example.com");
  });

  it.each([
    [{ USERNAME: "" }, "USERNAME", "is missing"],
    [{ USERNAME: "-bad-" }, "USERNAME", "letters"],
    [{ WEB_ORIGIN: "" }, "WEB_ORIGIN", "is missing"],
    [{ WEB_ORIGIN: "not a url" }, "WEB_ORIGIN", "is not a URL"],
    [{ WEB_ORIGIN: "http://social.example.com" }, "WEB_ORIGIN", "https://"],
    [{ WEB_ORIGIN: "https://social.example.com/path" }, "WEB_ORIGIN", "without a path"],
    [{ HANDLE_DOMAIN: "exa mple.com" }, "HANDLE_DOMAIN", "not a host name"],
    [{ OWNER_TOKEN: undefined }, "OWNER_TOKEN", "is missing"],
    [{ OWNER_TOKEN: "short" }, "OWNER_TOKEN", "at least 16"],
    [{ LOCAL_DEV: "yes" }, "LOCAL_DEV", '"true" or "false"'],
    [{ PLAN: "pro" }, "PLAN", '"free" or "paid"'],
    [{ MANUALLY_APPROVES_FOLLOWERS: "1" }, "MANUALLY_APPROVES_FOLLOWERS", '"true" or "false"'],
    [{ PROFILE_FIELDS: "{" }, "PROFILE_FIELDS", "not valid JSON"],
    [{ PROFILE_FIELDS: '[{"name": 1}]' }, "PROFILE_FIELDS", "JSON array"],
    [{ ALSO_KNOWN_AS: '["nope"]' }, "ALSO_KNOWN_AS", "not a URL"],
    [{ AVATAR_URL: "ftp://x/y.png" }, "AVATAR_URL", "http(s) URL"],
  ] as [Partial<Settings>, string, string][])("names the bad setting: %o", (env, setting, reason) => {
    const error = errorOf(env);
    expect(error.setting).toBe(setting);
    expect(error.message).toContain(setting);
    expect(error.message).toContain(reason);
  });

  it("allows http origins only in local dev", () => {
    expect(parseConfig({ ...valid, WEB_ORIGIN: "http://localhost:8787", LOCAL_DEV: "true" }).origin).toBe(
      "http://localhost:8787",
    );
  });

  it("refuses the example owner token from .dev.vars.example (#8 rule 11)", () => {
    const line = example.split("\n").find((l: string) => l.startsWith("OWNER_TOKEN="));
    expect(line?.slice("OWNER_TOKEN=".length)).toBe(EXAMPLE_OWNER_TOKEN);
    expect(errorOf({ OWNER_TOKEN: EXAMPLE_OWNER_TOKEN }).message).toMatch(/OWNER_TOKEN.*example/);
  });
});
