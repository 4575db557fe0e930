import { expect, Page, test, TestInfo } from "@playwright/test";
import { adminOpens, fillCard, hasJs, openPayment, ownAccount, ready } from "./helpers";
import { axe } from "./console-pages";

// A category payment (help center C2; docs/categories.md): an
// administrator, from the site's root signed out, adds a Required line and
// an optional one on Manage Category; Make Payment then lists them, the
// Required one ticked for good; ticking the other with a quantity makes
// the Payment Amount their total (as the lines change with JavaScript; on
// Confirm without); the review, Thanks and the payment's page list the
// lines, and deleting the categories afterwards leaves the payment's lines
// as they were. Categories are the whole biller's, so these projects run
// last, one after another (playwright.config.ts), each with its own codes,
// and each deletes its lines at the end.

async function addLine(page: Page, info: TestInfo, line: { description: string; code: string; amount: string; quantity: string; options: string[] }) {
  await page.getByRole("link", { name: "Add Category Line Item" }).click();
  await expect(page.getByRole("heading", { name: "Add Category Line Item" })).toBeVisible();
  await ready(page, info);
  await page.getByLabel("Description").fill(line.description);
  await page.getByLabel("Charge Code").fill(line.code);
  await page.getByLabel("Amount", { exact: true }).fill(line.amount);
  await page.getByLabel("Quantity", { exact: true }).fill(line.quantity);
  for (const option of line.options) await page.getByLabel(option).check();
  await page.getByRole("button", { name: "Save Category Item" }).click();
  await expect(page.getByRole("status")).toContainText("was saved");
  await ready(page, info);
}

async function deleteLine(page: Page, info: TestInfo, description: string) {
  await page.getByRole("link", { name: `Delete ${description}` }).click();
  await ready(page, info);
  await page.getByRole("group", { name: `Confirm: Delete ${description}` }).getByRole("button", { name: "Yes, Delete" }).click();
  await expect(page.getByRole("status")).toContainText("was deleted");
  await ready(page, info);
}

test("a category payment pays a Required line and a picked one, listed on the review and the payment", async ({ page }, info) => {
  test.slow();
  // The last 10 letters: the first 10 are the same for desktop-js and -nojs.
  const tag = info.project.name.replace(/[^a-z]/g, "").slice(-10).toUpperCase();
  const permit = { description: `Permit ${tag}`, code: `PERMIT-${tag}`, amount: "25.00", quantity: "1", options: ["Required"] };
  const tags = { description: `Dog tag ${tag}`, code: `TAG-${tag}`, amount: "15.00", quantity: "3", options: ["Show Quantity"] };
  await adminOpens(page, info, "Manage Category");
  await addLine(page, info, permit);
  await addLine(page, info, tags);

  const account = ownAccount(info, "CP");
  await page.goto(`/pay/${account}`);
  await expect(page.getByRole("heading", { name: "Make Payment" })).toBeVisible();
  await ready(page, info);
  const lines = page.getByRole("group", { name: "Payment Categories" });
  const required = lines.getByRole("checkbox", { name: new RegExp(permit.description) });
  await expect(required).toBeChecked();
  await expect(required).toBeDisabled();
  // It starts at the Required line's price.
  const amount = page.getByLabel("Payment Amount");
  await expect(amount).toHaveValue("25.00");
  await lines.getByRole("checkbox", { name: new RegExp(tags.description) }).check();
  await lines.getByLabel("Quantity (1 to 3)").fill("2");
  if (hasJs(info)) {
    // The amount follows the lines, and is theirs while any is paid.
    await expect(amount).toHaveValue("55.00");
    await expect(amount).not.toBeEditable();
    await expect(page.locator("#lines-total")).toHaveText("Total of the lines: $55.00");
  }
  await fillCard(page);
  await axe(page, info, "Make Payment with category lines");

  // Too many tags first: named beside the line's quantity.
  await lines.getByLabel("Quantity (1 to 3)").fill("4");
  await page.getByRole("button", { name: "Confirm" }).click();
  await expect(lines.locator(".field-error").filter({ hasText: "Enter a whole number from 1 to 3." })).toBeVisible();
  await expect(lines.getByLabel("Quantity (1 to 3)")).toHaveValue("4");
  await ready(page, info);
  await lines.getByLabel("Quantity (1 to 3)").fill("2");
  if (!hasJs(info)) await fillCard(page);
  await page.getByRole("button", { name: "Confirm" }).click();

  await expect(page.getByRole("heading", { name: "Review Payment" })).toBeVisible();
  await expect(page.locator(".review .amount").first()).toHaveText("$55.00");
  const paid = page.getByRole("table", { name: "Payment Categories" });
  await expect(paid.getByRole("row", { name: new RegExp(permit.code) })).toContainText("$25.00");
  await expect(paid.getByRole("row", { name: new RegExp(tags.code) })).toContainText("$30.00");
  await ready(page, info);
  await axe(page, info, "Review Payment with category lines");
  await page.getByRole("button", { name: "Make Payment" }).click();
  await expect(page.getByRole("heading", { name: "Thanks for the payment!" })).toBeVisible();
  await expect(page.getByRole("table", { name: "Payment Categories" })).toContainText(tags.description);
  const reference = (await page.locator(".reference").innerText()).trim();

  // The lines stay the payment's when the categories go.
  await page.goto("/admin/categories");
  await ready(page, info);
  await deleteLine(page, info, permit.description);
  await deleteLine(page, info, tags.description);
  await openPayment(page, info, reference);
  const kept = page.getByRole("table", { name: "Payment Categories" });
  await expect(kept.getByRole("row", { name: new RegExp(tags.code) })).toContainText("$30.00");
  await expect(kept).toContainText(permit.description);
});
