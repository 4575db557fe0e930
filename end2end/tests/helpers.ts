import { expect, type Page, type TestInfo } from "@playwright/test";
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";

const root = path.resolve(__dirname, "..", "..");
export const dbFile = path.join(root, "end2end", ".tmp", "e2e.db");
const bin = path.join(root, "target", "release", "paydesk");

export const CSR = { login: "csr", password: "paydesk-csr-demo-1" };

/** Whether this project runs with JavaScript (hydrated) or without. */
export function hasJs(info: TestInfo): boolean {
  return info.project.use.javaScriptEnabled !== false;
}

/** With JavaScript, wait until the client has hydrated the page. */
export async function ready(page: Page, info: TestInfo) {
  if (hasJs(info)) {
    await expect(page.locator("body")).toHaveAttribute("data-hydrated", "true");
  }
}

export async function signIn(page: Page, info: TestInfo, login: string, password: string) {
  await ready(page, info);
  await page.getByLabel("Login ID").fill(login);
  await page.getByLabel("Password").fill(password);
  await page.getByRole("button", { name: "Sign in" }).click();
}

/** A staff user of its own for a test that changes a user's state. */
export function newUser(info: TestInfo, role: "csr" | "admin" = "csr") {
  const login = `e2e-${info.project.name}-${Date.now().toString(36)}${Math.floor(Math.random() * 1e6)}`;
  const password = `pw-${login}-secret`;
  execFileSync(bin, ["user", "add", "--login", login, "--email", `${login}@example.com`, "--role", role, "--password-file", "-"], {
    input: password,
    env: { ...process.env, DATABASE_URL: `sqlite://${dbFile}` },
  });
  return { login: login.toLowerCase(), password };
}

/** Whether a receipt naming `reference` is in the server's outbox. */
export function outboxHas(reference: string): boolean {
  const dir = path.join(root, "end2end", ".tmp", "data", "outbox");
  if (!fs.existsSync(dir)) return false;
  return fs.readdirSync(dir).some((f) => fs.readFileSync(path.join(dir, f), "utf8").includes(reference));
}

/** `paydesk settle` against the test server's database. */
export function settle() {
  execFileSync(bin, ["settle"], { env: { ...process.env, DATABASE_URL: `sqlite://${dbFile}` } });
}

/** Runs SQL against the test server's database, as an operator would. */
export function sql(statement: string) {
  execFileSync("sqlite3", ["-cmd", ".timeout 5000", dbFile, statement]);
}
