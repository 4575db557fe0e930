import { expect, test } from "@playwright/test";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { adminOpens, ownAccount, ready } from "./helpers";
import { axe } from "./console-pages";

// A category for one payer (help center D4; docs/category-file.md): an
// administrator, from the site's root signed out, uploads a category file
// on File Transfers, sees the preview with the refused row's line and
// column, commits it ("Accounts Updated" 1), and the payer's account then
// lists its own line, which Make Payment offers that account. The line is
// the account's own, but the categories specs run together after the
// others (playwright.config.ts), so this one does too.

test("a category file gives one payer a line of its own", async ({ page }, info) => {
  const account = ownAccount(info, "CF");
  const tag = account.slice(-6);
  const file = path.join(os.tmpdir(), `categories-${account}.csv`);
  fs.writeFileSync(
    file,
    [
      "account_number,charge_code,description,amount,quantity,impact_balance,amount_editable,show_quantity,required",
      `${account},SLIP-${tag},Boat slip ${tag},250.00,1,no,no,no,no`,
      `${account},LATE-${tag},Late fee,1.005,,,,,`,
    ].join("\n") + "\n",
  );
  await adminOpens(page, info, "File Transfers");
  await page.getByLabel("File type").selectOption({ label: "Category file (categories for one payer)" });
  await page.getByLabel("File", { exact: true }).setInputFiles(file);
  await page.getByRole("button", { name: "Upload" }).click();
  await expect(page.getByRole("heading", { name: `Upload categories-${account}.csv` })).toBeVisible();
  const counts = page.locator("dl.detail");
  await expect(counts).toContainText("Category file");
  await expect(counts.locator("div").filter({ hasText: "Accounts to update" })).toContainText("1");
  await expect(page.locator("#upload-errors tbody tr").filter({ hasText: "amount" })).toContainText("3");
  await ready(page, info);
  await axe(page, info, "a category file's preview");

  await page.getByRole("button", { name: "Commit the valid rows" }).click();
  await expect(counts).toContainText("Limited errors");
  await expect(counts.locator("div").filter({ hasText: "Accounts Updated" })).toContainText("1");

  await page.goto(`/accounts/${account}`);
  const own = page.getByRole("table", { name: "Categories for this payer" });
  await expect(own).toContainText(`Boat slip ${tag}`);
  await expect(own).toContainText("$250.00");
  await axe(page, info, "an account with its own categories");

  await page.goto(`/pay/${account}`);
  await expect(page.getByRole("heading", { name: "Make Payment" })).toBeVisible();
  const slip = page.getByRole("group", { name: "Payment Categories" }).getByRole("checkbox", { name: new RegExp(`Boat slip ${tag}`) });
  await expect(slip).not.toBeChecked();
  await expect(slip).toBeEnabled();
});
