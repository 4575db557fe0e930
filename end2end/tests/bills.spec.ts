import { expect, test } from "@playwright/test";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { CSR, fillCard, newUser, ownAccount, ready, signIn, sql } from "./helpers";

test("an administrator loads a bill file, and the bill is edited on Bill Details", async ({ page }, info) => {
  const account = ownAccount(info, "B");
  const invoice = `B${Date.now().toString(36)}`.toUpperCase();
  const file = path.join(os.tmpdir(), `bills-${invoice}.csv`);
  fs.writeFileSync(
    file,
    "account_number,invoice_number,invoice_date,due_date,amount_due,minimum_due,description\n" +
      `${account},${invoice},2026-11-01,2026-11-30,88.40,20.00,November service\n`,
  );
  const admin = newUser(info, "admin");
  await page.goto("/sign-in?next=/uploads");
  await signIn(page, info, admin.login, admin.password);
  await ready(page, info);
  await page.getByLabel("File type").selectOption("bills");
  await page.getByLabel("File", { exact: true }).setInputFiles(file);
  await page.getByRole("button", { name: "Upload" }).click();
  await expect(page.locator("dl.detail")).toContainText("Bill file");
  await ready(page, info);
  await page.getByRole("button", { name: "Commit", exact: true }).click();
  await expect(page.locator("dl.detail")).toContainText("Success");

  await page.goto(`/payer-support?by=account&q=${account}`);
  const row = page.locator("#bills-table tbody tr").filter({ hasText: invoice });
  await expect(row).toContainText("$88.40");
  await expect(row).toContainText("Unpaid");
  await ready(page, info);
  await row.getByRole("link", { name: invoice, exact: true }).click();
  await expect(page.getByRole("heading", { name: "Bill Details" })).toBeVisible();
  await ready(page, info);
  await page.getByLabel("Status").selectOption("in_mail");
  await page.getByLabel("Do Not Call").check();
  await page.getByRole("button", { name: "Submit" }).click();
  // Saved: the bill as stored now says so (with JavaScript after the call,
  // without it after the redirect).
  await expect(page.locator("dl.detail")).toContainText("In Mail");
  await expect(page.locator("dl.detail")).toContainText("Do Not Call");
  await page.goto(`/payer-support?by=account&q=${account}`);
  await expect(page.locator("#bills-table tbody tr").filter({ hasText: invoice })).toContainText("In Mail");
});

test("a CSR pays an invoice from Bills Found: the amount is what remains, and the bill then shows it paid", async ({ page }, info) => {
  const account = ownAccount(info, "P");
  const invoice = `P${Date.now().toString(36)}`.toUpperCase();
  sql(
    "INSERT INTO bills (account_id, invoice_number, invoice_date, due_date, amount_due_cents, minimum_due_cents, created_at, updated_at) " +
      `SELECT id, '${invoice}', '2026-11-01', '2026-11-30', 8840, 1000, 0, 0 FROM accounts WHERE account_number = '${account}'`,
  );
  await page.goto(`/sign-in?next=${encodeURIComponent(`/payer-support?by=invoice&q=${invoice}`)}`);
  await signIn(page, info, CSR.login, CSR.password);
  const row = page.locator("#bills-table tbody tr").filter({ hasText: invoice });
  await expect(row).toContainText("$88.40");
  await ready(page, info);
  await row.getByRole("link", { name: `Make Payment on bill ${invoice}` }).click();
  await expect(page.getByRole("heading", { name: "Make Payment" })).toBeVisible();
  await expect(page.locator(".invoice-card")).toContainText(invoice);
  await expect(page.locator("#invoice-remaining")).toHaveText("$88.40");
  await expect(page.getByLabel("Payment Amount")).toHaveValue("88.40");
  await ready(page, info);
  await page.getByLabel("Payment Amount").fill("30.00");
  await fillCard(page);
  await page.getByRole("button", { name: "Confirm" }).click();
  await expect(page.locator("#review-invoice")).toContainText(invoice);
  await ready(page, info);
  await page.getByRole("button", { name: "Make Payment" }).click();
  await expect(page.getByRole("heading", { name: "Thanks for the payment!" })).toBeVisible();

  await page.goto(`/payer-support?by=invoice&q=${invoice}`);
  await ready(page, info);
  await page.locator("#bills-table tbody tr").filter({ hasText: invoice }).getByRole("link", { name: invoice, exact: true }).click();
  await expect(page.locator("#bill-paid")).toHaveText("$30.00");
  await expect(page.locator("#bill-remaining")).toHaveText("$58.40");
});
