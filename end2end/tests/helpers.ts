import { expect, test, type Browser, type Page, type TestInfo } from "@playwright/test";
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";

const root = path.resolve(__dirname, "..", "..");
/** The server's scratch folder (scripts/e2e-server.sh: E2E_TMP). */
export const tmpDir = process.env.E2E_TMP ?? path.join(root, "end2end", ".tmp");
const bin = path.join(root, "target", "release", "paydesk");

/** The scratch folder of the server this test's project talks to: the
 * biller-* projects have a server of their own (playwright.config.ts,
 * `metadata.tmp`); every other project uses E2E_TMP's. */
function serverTmp(): string {
  let own: unknown;
  try {
    own = test.info().project.metadata?.tmp;
  } catch {
    // Outside a test (a spec's top level): the default server.
  }
  return typeof own === "string" ? own : tmpDir;
}

/** The SQLite file of this test's server. */
function dbFile(): string {
  return path.join(serverTmp(), "e2e.db");
}

/** This test's server's database: its SQLite file, or the cluster's
 * PostgreSQL database (playwright.cluster.config.ts). */
function databaseUrl(): string {
  return process.env.E2E_DATABASE_URL ?? `sqlite://${dbFile()}`;
}

/** Each data folder of this test's server: one, or each of the cluster's. */
function dataDirs(): string[] {
  return (process.env.E2E_DATA_DIRS ?? path.join(serverTmp(), "data")).split(",");
}

export const CSR = { login: "csr", password: "paydesk-csr-demo-1" };
export const ADMIN = { login: "admin", password: "paydesk-admin-demo" };

/** Whether this project runs with JavaScript (hydrated) or without. */
export function hasJs(info: TestInfo): boolean {
  return info.project.use.javaScriptEnabled !== false;
}

/** With JavaScript, wait until the client has hydrated the page. Longer
 * than other waits: on a 2-core machine running two browsers (one of them
 * busy in axe), compiling the WebAssembly once took more than 7 s. */
export async function ready(page: Page, info: TestInfo) {
  if (hasJs(info)) {
    await expect(page.locator("body")).toHaveAttribute("data-hydrated", "true", { timeout: 20_000 });
  }
}

export async function signIn(page: Page, info: TestInfo, login: string, password: string) {
  await ready(page, info);
  await page.getByLabel("Login ID").fill(login);
  await page.getByLabel("Password").fill(password);
  await page.getByRole("button", { name: "Sign in" }).click();
}

/** A second browser of the same kind as the test's (JavaScript or not,
 * desktop or tablet), for a second person at another desk. */
export async function secondBrowser(browser: Browser, info: TestInfo): Promise<Page> {
  const use = info.project.use;
  const context = await browser.newContext({
    baseURL: use.baseURL,
    viewport: use.viewport,
    hasTouch: use.hasTouch,
    javaScriptEnabled: hasJs(info),
  });
  return context.newPage();
}

/** A staff user of its own for a test that changes a user's state. */
export function newUser(info: TestInfo, role: "csr" | "admin" = "csr") {
  const login = `e2e-${info.project.name}-${Date.now().toString(36)}${Math.floor(Math.random() * 1e6)}`;
  const password = `pw-${login}-secret`;
  execFileSync(bin, ["user", "add", "--login", login, "--email", `${login}@example.com`, "--role", role, "--password-file", "-"], {
    input: password,
    env: { ...process.env, DATABASE_URL: databaseUrl() },
  });
  return { login: login.toLowerCase(), password };
}

/** A new administrator, at the site's root signed out, signs in and opens
 * `link` from the main navigation (its heading says the same). */
export async function adminOpens(page: Page, info: TestInfo, link: string) {
  const admin = newUser(info, "admin");
  await page.goto("/");
  await signIn(page, info, admin.login, admin.password);
  await expect(page.getByRole("heading", { level: 1, name: /^(Home|Payer Support)$/ })).toBeVisible();
  await ready(page, info);
  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: link }).click();
  await expect(page.getByRole("heading", { level: 1, name: link })).toBeVisible();
  await ready(page, info);
}

/** Every email in the servers' outboxes (whichever server sent it). */
function outbox(): string[] {
  return dataDirs()
    .map((d) => path.join(d, "outbox"))
    .filter((dir) => fs.existsSync(dir))
    .flatMap((dir) => fs.readdirSync(dir).map((f) => fs.readFileSync(path.join(dir, f), "utf8")));
}

/** Whether a receipt naming `reference` is in the server's outbox. */
export function outboxHas(reference: string): boolean {
  return outbox().some((mail) => mail.includes(reference));
}

/** Waits for an email to `to` in the server's outbox and returns the first
 * group `pattern` captures in it. */
export async function mailTo(to: string, pattern: RegExp): Promise<string> {
  let found = "";
  await expect
    .poll(() => {
      // Quoted-printable's soft line breaks undone, as a mail reader does.
      const mail = outbox()
        .map((m) => m.replace(/=\r?\n/g, ""))
        .find((m) => m.includes(`To: ${to}`) && pattern.test(m));
      found = mail?.match(pattern)?.[1] ?? "";
      return found;
    })
    .not.toBe("");
  return found;
}

/** `paydesk settle` against the test server's database and data folder
 * (its key decrypts the bank accounts for the NACHA file). */
export function settle() {
  execFileSync(bin, ["settle"], { env: { ...process.env, DATABASE_URL: databaseUrl(), PAYDESK_DATA_DIR: dataDirs()[0] } });
}

/** Signs in and opens Make Payment for `account`. */
export async function openMakePaymentFor(page: Page, info: TestInfo, account: string) {
  await page.goto(`/sign-in?next=/pay/${account}`);
  await signIn(page, info, CSR.login, CSR.password);
  await expect(page.getByRole("heading", { name: "Make Payment" })).toBeVisible();
  await ready(page, info);
}

/** Chooses a new card on the open Make Payment page: the sandbox Visa. */
export async function fillCard(page: Page) {
  await page.locator('input[name="form[method]"][value="card"]').check();
  await page.getByLabel("Name on card").fill("Pat Payer");
  await page.getByLabel("Card number").fill("4242424242424242");
  await page.getByLabel("Expiry (MM/YY)").fill("12/34");
  await page.getByLabel("CVV").fill("123");
  await page.getByLabel("Billing ZIP").fill("02139");
}

/** Takes a payment on the open Make Payment page: by card, or from the bank
 * account `bankAccount`. Returns its Reference Number. */
export async function takePayment(page: Page, info: TestInfo, amount: string, bankAccount?: string): Promise<string> {
  await page.getByLabel("Payment Amount").fill(amount);
  if (bankAccount) {
    await page.locator('input[name="form[method]"][value="bank"]').check();
    await page.getByLabel("Account holder").fill("Pat Payer");
    await page.getByLabel("Routing number").fill("021000021");
    await page.getByLabel("Account number").fill(bankAccount);
  } else {
    await fillCard(page);
  }
  await page.getByRole("button", { name: "Confirm" }).click();
  await ready(page, info);
  await page.getByRole("button", { name: "Make Payment" }).click();
  await expect(page.getByRole("heading", { name: "Thanks for the payment!" })).toBeVisible();
  await ready(page, info);
  return (await page.locator(".reference").innerText()).trim();
}

/** Opens a payment's detail page. */
export async function openPayment(page: Page, info: TestInfo, reference: string) {
  await page.goto(`/payments/${reference}`);
  await expect(page.getByRole("heading", { name: `Payment ${reference}` })).toBeVisible();
  await ready(page, info);
}

/** Fills and confirms the Cancel/Reverse form on a payment's page. */
export async function cancelReverse(page: Page, info: TestInfo, action: RegExp, amount?: string) {
  const panel = page.locator("#cancel-reverse");
  await panel.getByRole("radio", { name: action }).check();
  if (amount !== undefined) await panel.getByLabel("Refund amount").fill(amount);
  await panel.getByLabel("Reason").selectOption({ label: "Payer asked for it" });
  await panel.getByLabel(/Yes, I confirmed this with the payer/).check();
  await panel.getByRole("button", { name: "Confirm" }).click();
  await ready(page, info);
}

/** Runs SQL against the test server's database, as an operator would. */
export function sql(statement: string) {
  const url = databaseUrl();
  if (url.startsWith("postgres")) {
    execFileSync("psql", ["-qX", "-v", "ON_ERROR_STOP=1", url, "-c", statement]);
  } else {
    execFileSync("sqlite3", ["-cmd", ".timeout 5000", dbFile(), statement]);
  }
}

/** An account of the test's own, with no balance and no history, for a test
 * whose checks would be disturbed by another test paying the same account.
 * The demo's 50 accounts are all spoken for. */
export function ownAccount(info: TestInfo, tag: string): string {
  const number = `T${tag}${info.project.name.replace(/[^a-z]/g, "").slice(0, 6)}${Date.now().toString(36)}`.toUpperCase();
  sql(
    "INSERT INTO accounts (account_number, account_type, first_name, last_name, email, balance_cents, status, created_at, updated_at) " +
      `VALUES ('${number}', 'I', 'Test', 'Payer', 'test.payer@example.com', 0, 'active', 0, 0)`,
  );
  return number;
}

/** An enrolled payer of the test's own (a User ID on an account of its own),
 * for tests of saved methods and automatic payments. */
export function ownPayer(info: TestInfo, tag: string): { account: string; user: string } {
  const account = ownAccount(info, tag);
  const user = `e2e.${account.toLowerCase()}`;
  sql(
    `INSERT INTO payers (user_id, created_at) VALUES ('${user}', 0); ` +
      `INSERT INTO account_payers (account_id, payer_id) SELECT a.id, p.id FROM accounts a, payers p ` +
      `WHERE a.account_number = '${account}' AND p.user_id = '${user}';`,
  );
  return { account, user };
}

/** `paydesk run-plans --today DATE` against the test server's database:
 * the scheduler's pass for that day, with no waiting for the real one. */
export function runPlans(today: string): string {
  return execFileSync(bin, ["run-plans", "--today", today], {
    env: { ...process.env, DATABASE_URL: databaseUrl(), PAYDESK_DATA_DIR: dataDirs()[0] },
  }).toString();
}

/** A date `days` ahead in the biller's zone, as date fields take it. */
export function daysAhead(days: number): string {
  return new Date(Date.now() + days * 86_400_000).toLocaleDateString("en-CA", { timeZone: "America/New_York" });
}

/** A plan's first date that runs ahead of today in the biller's zone: the
 * first Tuesday, Wednesday or Thursday at least 3 days ahead. Should it be
 * a Federal Reserve holiday, it runs the banking day before, still days
 * ahead (never today, which would start it at once). */
export function planFirstDate(): string {
  for (let n = 3; ; n++) {
    const at = new Date(Date.now() + n * 86_400_000);
    const day = at.toLocaleDateString("en-US", { timeZone: "America/New_York", weekday: "short" });
    if (day === "Tue" || day === "Wed" || day === "Thu") return daysAhead(n);
  }
}

/** The payer's phone: a browser of its own, 390×844, touch. */
export async function phone(browser: Browser, info: TestInfo): Promise<Page> {
  const context = await browser.newContext({
    baseURL: info.project.use.baseURL,
    viewport: { width: 390, height: 844 },
    hasTouch: true,
    isMobile: true,
    javaScriptEnabled: hasJs(info),
  });
  return context.newPage();
}

/** A payment link's token in a message. */
export const TOKEN = /\/p\/link\/([0-9]+\.[0-9a-f]{64})/;

/** Send Payment Link by email to `to`, from Accounts Found; the token mailed. */
export async function sendLink(page: Page, info: TestInfo, account: string, to: string): Promise<string> {
  await page.getByRole("link", { name: `Send Payment Link for account ${account}` }).click();
  await expect(page.getByRole("heading", { name: "Send Payment Link" })).toBeVisible();
  await ready(page, info);
  await page.getByRole("radio", { name: "Email" }).check();
  await page.getByLabel("Email address").fill(to);
  await page.getByRole("button", { name: "Send Link" }).click();
  await expect(page.getByRole("heading", { name: `Account ${account}` })).toBeVisible();
  await expect(page.locator("#payment-links")).toContainText(`Payment link sent by email to ${to}.`);
  await ready(page, info);
  return mailTo(to, TOKEN);
}
