import { expect, test, type Locator, type Page, type TestInfo } from "@playwright/test";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { ADMIN, CSR, newUser, ownAccount, ready, secondBrowser } from "./helpers";

// Each main flow driven by the keyboard alone, with and without JavaScript:
// Tab and Shift+Tab move, Enter, Space, arrows and typing act. Locators only
// name what is to be reached and checked; nothing is clicked or filled.
// Payments go to accounts of the test's own (`ownAccount`): the demo's are
// all read by other specs, and the four projects run side by side.

// A flow here presses keys a few hundred times, each a round trip to the
// browser: on a busy 2-core machine one took 25 s of the default 30.
test.describe.configure({ timeout: 60_000 });
// A date field's segments (month, day, year) come in the locale's order.
test.use({ locale: "en-US" });

/** More presses than any page here needs: a control that cannot be reached
 * fails the test instead of looping. */
const MAX_TABS = 80;

/** A short description of the focused element, for failure messages. */
function focused(page: Page): Promise<string> {
  return page.evaluate(() => document.activeElement?.outerHTML.slice(0, 160) ?? "nothing");
}

/** Presses Tab until `target` has the focus, then checks that the focus
 * shows: an outline of at least 2px, or a box-shadow ring of at least 2px.
 * Shift+Tab when the target comes before the focus (after a failed submit
 * the focus may be past it), or with `back` (a form below a table that
 * grows with every test's data is nearer from the end of the page). */
async function tabTo(page: Page, target: Locator, { back = false } = {}) {
  // One handle, not the locator: a role locator would search the whole
  // page again on every press.
  const el = await target.elementHandle();
  try {
    const behind = await el.evaluate((e) => {
      const at = document.activeElement;
      return !!at && at !== document.body && (e.compareDocumentPosition(at) & Node.DOCUMENT_POSITION_FOLLOWING) !== 0;
    });
    const key = back || behind ? "Shift+Tab" : "Tab";
    for (let presses = 0; !(await el.evaluate((e) => e === document.activeElement)); presses++) {
      if (presses === MAX_TABS) throw new Error(`${MAX_TABS} × ${key} never reached ${target}; the focus is on ${await focused(page)}`);
      await page.keyboard.press(key);
    }
    const ring = await el.evaluate((e) => {
      const s = getComputedStyle(e);
      const spreads = [...s.boxShadow.matchAll(/0px 0px [\d.]+px ([\d.]+)px/g)].map((m) => Number(m[1]));
      return {
        shown: (s.outlineStyle !== "none" && parseFloat(s.outlineWidth) >= 2) || spreads.some((w) => w >= 2),
        style: `outline: ${s.outlineStyle} ${s.outlineWidth}; box-shadow: ${s.boxShadow}`,
      };
    });
    expect(ring.shown, `the focus on ${target} does not show (${ring.style})`).toBe(true);
  } finally {
    await el.dispose();
  }
}

/** Tabs to a control and presses `key` on it. */
async function press(page: Page, target: Locator, key = "Enter") {
  await tabTo(page, target);
  await page.keyboard.press(key);
}

/** Tabs to each field in turn and types its text over what was there. */
async function typeInto(page: Page, fields: [Locator, string][]) {
  for (const [field, text] of fields) {
    await tabTo(page, field);
    await page.keyboard.press("ControlOrMeta+a");
    await page.keyboard.type(text);
    await expect(field).toHaveValue(text);
  }
}

/** After a navigation: the page's heading, then (with JavaScript) hydration. */
async function arrived(page: Page, info: TestInfo, heading: string | RegExp) {
  await expect(page.getByRole("heading", { level: 1, name: heading })).toBeVisible();
  await ready(page, info);
}

/** Signs in on the open sign-in page; Enter in the password field submits. */
async function signIn(page: Page, info: TestInfo, user: { login: string; password: string }) {
  await ready(page, info);
  await typeInto(page, [
    [page.getByLabel("Login ID"), user.login],
    [page.getByLabel("Password"), user.password],
  ]);
  await page.keyboard.press("Enter");
}

/** CSR signed in, on Payer Support with `account` found. */
async function findAccount(page: Page, info: TestInfo, account: string) {
  await page.goto("/sign-in?next=/payer-support");
  await signIn(page, info, CSR);
  await arrived(page, info, "Payer Support");
  await typeInto(page, [[page.getByLabel("Search for"), account]]);
  await page.keyboard.press("Enter");
  await expect(page.locator("#accounts-table tbody tr")).toContainText(account);
  await ready(page, info);
}

/** From Accounts Found: Make Payment of `amount` by a new card or bank
 * account, Confirm, Make Payment. Returns the Reference Number. */
async function pay(page: Page, info: TestInfo, account: string, amount: string, method: "card" | "bank") {
  await press(page, page.getByRole("link", { name: `Make Payment on account ${account}` }));
  await arrived(page, info, "Make Payment");
  await typeInto(page, [[page.getByLabel("Payment Amount"), amount]]);
  if (method === "bank") {
    // A radio group is one Tab stop, at the checked radio; arrows choose.
    await tabTo(page, page.getByRole("radio", { name: "New card" }));
    await page.keyboard.press("ArrowDown");
    await expect(page.getByRole("radio", { name: "New bank account" })).toBeChecked();
    await expect(page.getByRole("radio", { name: "New bank account" })).toBeFocused();
    await typeInto(page, [
      [page.getByLabel("Account holder"), "Kay Board"],
      [page.getByLabel("Routing number"), "021000021"],
      [page.getByLabel("Account number"), "000123454321"],
    ]);
  } else {
    await expect(page.getByRole("radio", { name: "New card" })).toBeChecked();
    await typeInto(page, [
      [page.getByLabel("Name on card"), "Kay Board"],
      [page.getByLabel("Card number"), "4242424242424242"],
      [page.getByLabel("Expiry (MM/YY)"), "12/34"],
      [page.getByLabel("CVV"), "123"],
      [page.getByLabel("Billing ZIP"), "02139"],
    ]);
  }
  await press(page, page.getByRole("button", { name: "Confirm" }));
  await arrived(page, info, "Review Payment");
  await expect(page.locator("dl.review")).toContainText(`$${amount}`);
  await press(page, page.getByRole("button", { name: "Make Payment" }));
  await arrived(page, info, "Thanks for the payment!");
  return (await page.locator(".reference").innerText()).trim();
}

/** From the Thanks page: Done, then the payment's Cancel/Reverse link. */
async function openCancelReverse(page: Page, info: TestInfo, reference: string) {
  await press(page, page.getByRole("link", { name: "Done" }));
  const row = page.locator(`#payments-table tbody tr[data-reference="${reference}"]`);
  await expect(row).toContainText("Pending");
  await ready(page, info);
  await press(page, row.getByRole("link", { name: "Cancel/Reverse" }));
  await arrived(page, info, `Payment ${reference}`);
}

/** Chooses the reason by typing its first letters on the closed select,
 * ticks the confirmation with Space, and presses Confirm. */
async function confirmCancelReverse(page: Page) {
  const panel = page.locator("#cancel-reverse");
  await tabTo(page, panel.getByLabel("Reason"));
  await page.keyboard.type("Payer");
  await expect(panel.getByLabel("Reason")).toHaveValue("payer_request");
  await press(page, panel.getByRole("checkbox", { name: /Yes, I confirmed this with the payer/ }), "Space");
  await expect(panel.getByRole("checkbox", { name: /Yes, I confirmed this with the payer/ })).toBeChecked();
  await press(page, panel.getByRole("button", { name: "Confirm" }));
}

test("a CSR signs in at the site's root and takes a card payment by keyboard alone", async ({ page }, info) => {
  const account = ownAccount(info, "KP");
  await page.goto("/");
  await expect(page).toHaveURL(/\/sign-in\?next=/);
  await signIn(page, info, CSR);
  await arrived(page, info, "Home");
  await press(page, page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Payer Support" }));
  await arrived(page, info, "Payer Support");
  await typeInto(page, [[page.getByLabel("Search for"), account]]);
  await page.keyboard.press("Enter");
  await expect(page.locator("#accounts-table tbody tr")).toContainText(account);
  await ready(page, info);

  const reference = await pay(page, info, account, "4.56", "card");
  expect(reference).toMatch(/^[2-9A-Z]{4}-[2-9A-Z]{4}$/);
  await expect(page.locator("dl.review")).toContainText("$4.56");
  await expect(page.locator("dl.review")).toContainText("Visa •••• 4242");
  await expect(page.locator("dl.review")).toContainText(account);
});

test("a Pending ACH payment is voided by keyboard, after the form names what is missing", async ({ page }, info) => {
  const account = ownAccount(info, "KV");
  await findAccount(page, info, account);
  const reference = await pay(page, info, account, "18.25", "bank");
  await openCancelReverse(page, info, reference);
  const panel = page.locator("#cancel-reverse");
  // Void is the only action offered to a Pending ACH payment: already chosen.
  await expect(panel.getByRole("radio", { name: /^Void/ })).toBeChecked();

  await press(page, panel.getByRole("button", { name: "Confirm" }));
  await expect(panel.getByText("Choose a reason.")).toBeVisible();
  await expect(panel.getByText("Tick the box to confirm.")).toBeVisible();
  await ready(page, info);

  await confirmCancelReverse(page);
  await expect(page.locator("dl.detail")).toContainText("Cancelled");
  await expect(page.locator("#actions-table")).toContainText("Void");
  await expect(page.locator("#actions-table")).toContainText("Payer asked for it");
});

test("a refund above $500 is asked by one person and approved by another, by keyboard", async ({ page, browser }, info) => {
  const account = ownAccount(info, "KA");
  await findAccount(page, info, account);
  const reference = await pay(page, info, account, "700.00", "card");
  await openCancelReverse(page, info, reference);
  const panel = page.locator("#cancel-reverse");
  // Nothing is chosen yet: Tab enters the group at its first radio.
  await tabTo(page, panel.getByRole("radio", { name: /^Full Reversal/ }));
  await page.keyboard.press("ArrowDown");
  await expect(panel.getByRole("radio", { name: /^Partial refund/ })).toBeChecked();
  await typeInto(page, [[panel.getByLabel("Refund amount"), "600.00"]]);
  await confirmCancelReverse(page);
  await expect(page.locator("#awaiting-approval")).toContainText("Partial refund of $600.00 asked by csr");

  const admin = newUser(info, "admin");
  const approver = await secondBrowser(browser, info);
  await approver.goto("/sign-in?next=/approvals");
  await signIn(approver, info, admin);
  await arrived(approver, info, "Refunds awaiting approval");
  await press(approver, approver.locator("#approvals-table").getByRole("link", { name: reference }));
  await arrived(approver, info, `Payment ${reference}`);
  await press(approver, approver.locator("#awaiting-approval").getByRole("button", { name: "Approve refund" }));
  await expect(approver.locator("dl.detail")).toContainText("Refunded $600.00 of $700.00");
  await expect(approver.locator("#actions-table")).toContainText(admin.login);
  await approver.context().close();
});

test("an administrator uploads a file by keyboard: the file chooser, the preview and Commit", async ({ page }, info) => {
  const admin = newUser(info, "admin");
  const tag = `${info.project.name.replace(/[^a-z]/g, "").slice(0, 8)}${Date.now().toString(36)}`.toUpperCase();
  const name = `keys-${tag}.csv`;
  const file = path.join(os.tmpdir(), name);
  fs.writeFileSync(
    file,
    ["account_number,first_name,last_name,email,balance", `K${tag}1,Kay,Board,kay@example.com,10.00`, `K${tag}2,Bo,,bo@example.com,5.00`].join("\n") + "\n",
  );
  await page.goto("/sign-in?next=/uploads");
  await signIn(page, info, admin);
  await arrived(page, info, "File Transfers");

  // Space on a file input opens the chooser, which Playwright answers.
  const chooser = page.waitForEvent("filechooser");
  await press(page, page.getByLabel("File", { exact: true }), "Space");
  await (await chooser).setFiles(file);
  await expect(page.getByLabel("File", { exact: true })).toHaveValue(new RegExp(`${name.replace(/\./g, "\\.")}$`));
  await press(page, page.getByRole("button", { name: "Upload" }));
  await arrived(page, info, `Upload ${name}`);
  await expect(page.locator("dl.detail")).toContainText("Preview: not applied yet");
  await expect(page.locator("#upload-errors tbody tr").filter({ hasText: "last_name" })).toContainText("3");

  await press(page, page.getByRole("button", { name: "Commit the valid rows" }));
  await expect(page.locator("dl.detail")).toContainText("Limited errors");
  await expect(page.getByRole("button", { name: /Commit/ })).toHaveCount(0);
});

test("an administrator adds a user and deactivates them, by keyboard", async ({ page }, info) => {
  const admin = newUser(info, "admin");
  const login = `kbd-${info.project.name}-${Date.now().toString(36)}`;
  await page.goto("/sign-in?next=/admin/users");
  await signIn(page, info, admin);
  await arrived(page, info, "User Admin");

  // Add user is below the table of every staff user, which other specs keep
  // growing: from the top of the page it is nearer going back.
  await tabTo(page, page.getByLabel("Login ID"), { back: true });
  await typeInto(page, [
    [page.getByLabel("Login ID"), login],
    [page.getByLabel("Email"), `${login}@example.com`],
  ]);
  await tabTo(page, page.getByRole("radio", { name: "CSR" }));
  await page.keyboard.press("ArrowUp");
  await expect(page.getByRole("radio", { name: "Administrator" })).toBeChecked();
  await press(page, page.getByRole("button", { name: "Add user" }));
  await arrived(page, info, `User ${login}`);
  await expect(page.locator("dl.review")).toContainText("Administrator");
  await expect(page.locator("dl.review")).toContainText("Temporary password");

  await press(page, page.getByRole("button", { name: "Deactivate" }));
  await expect(page.getByRole("button", { name: "Activate" })).toBeVisible();
  await expect(page.locator("dl.review")).toContainText("Inactive");
});

test("a report is run, filtered by column and exported, by keyboard", async ({ page }, info) => {
  await page.goto("/");
  await signIn(page, info, ADMIN);
  await arrived(page, info, "Home");
  await press(page, page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Reports" }));
  await arrived(page, info, "Reports");
  await press(page, page.getByRole("link", { name: "Payment History Report" }));
  await arrived(page, info, "Payment History Report");

  // Digits fill a date field segment by segment, each moving to the next.
  await tabTo(page, page.getByLabel("Start Date"));
  await page.keyboard.type("01012020");
  await expect(page.getByLabel("Start Date")).toHaveValue("2020-01-01");
  await press(page, page.getByRole("button", { name: "Run Report" }));
  await expect(page).toHaveURL(/from=2020-01-01/);
  await ready(page, info);
  // The filter fields are on today's report too: wait for this one's.
  await expect(page.locator("#report-count")).toContainText("2020-01-01 to ");

  // The demo's account 100001, which no spec pays: one Processed payment
  // of $45.00 (and one Declined).
  await typeInto(page, [[page.getByLabel("Account", { exact: true }), "100001"]]);
  await tabTo(page, page.getByLabel("Status", { exact: true }));
  await page.keyboard.type("Processed");
  await expect(page.getByLabel("Status", { exact: true })).toHaveValue("processed");
  await press(page, page.getByRole("button", { name: "Filter" }));
  await expect(page).toHaveURL(/account=100001.*status=processed|status=processed.*account=100001/);
  await ready(page, info);
  const rows = page.locator("#report-table tbody tr");
  await expect(rows).toHaveCount(1);
  await expect(rows).toContainText("$45.00");

  const download = page.waitForEvent("download");
  await press(page, page.getByRole("link", { name: "CSV" }));
  const lines = fs.readFileSync(await (await download).path(), "utf8").trimEnd().split("\r\n");
  expect(lines[0]).toBe('"Report","Payment History"');
  expect(lines[6]).toContain('"Transaction ID"');
  expect(lines.slice(7)).toHaveLength(1);
  expect(lines[7]).toContain('"100001"');
  expect(lines[7]).toContain("45.00");
});

test("a payer pays by keyboard alone on the payer site: One Time Payment, Next, Pay", async ({ page }, info) => {
  const account = ownAccount(info, "KO");
  // The payer site is the payer's: no staff sign-in.
  await page.goto("/p/pay");
  await arrived(page, info, "One Time Payment");
  await typeInto(page, [
    [page.getByLabel("Account Number"), account],
    [page.getByLabel("Last Name or Business Name"), "Payer"],
  ]);
  await press(page, page.getByRole("button", { name: "Continue" }));
  await arrived(page, info, "One Time Payment");
  await expect(page.locator(".account-card")).toContainText(account);
  await expect(page.getByRole("radio", { name: "Card" })).toBeChecked();
  await typeInto(page, [
    [page.getByLabel("Payment Amount"), "7.89"],
    [page.getByLabel("Name on card"), "Kay Board"],
    [page.getByLabel("Card number"), "4242424242424242"],
    [page.getByLabel("Expiry (MM/YY)"), "12/34"],
    [page.getByLabel("CVV"), "123"],
    [page.getByLabel("Billing ZIP"), "02139"],
  ]);
  await press(page, page.getByRole("button", { name: "Next" }));
  await arrived(page, info, "Confirm Payment");
  await expect(page.locator("dl.review")).toContainText("$7.89");
  await press(page, page.getByRole("button", { name: "Pay", exact: true }));
  await arrived(page, info, "Thank you for your payment");
  await expect(page.getByTestId("receipt-reference")).toHaveText(/^[2-9A-Z]{4}-[2-9A-Z]{4}$/);
});
