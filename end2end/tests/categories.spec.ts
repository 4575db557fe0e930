import { expect, test } from "@playwright/test";
import { adminOpens, ready } from "./helpers";
import { axe } from "./console-pages";

// Manage Category (help center D2): an administrator, from the site's root
// signed out, adds a category line item (a mistake named beside its field
// first), edits it, and deletes it after the confirmation. Each project
// works on a line with its own charge code, so projects running at once do
// not meet.

test("an administrator adds, edits and deletes a category line item", async ({ page }, info) => {
  const code = `E2E-${info.project.name}`.replace(/[^A-Za-z0-9-]/g, "-").toUpperCase().slice(0, 20);
  const description = `Dog license ${info.project.name}`;
  await adminOpens(page, info, "Manage Category");

  // Add Category Line Item: a third decimal is refused beside the amount.
  await page.getByRole("link", { name: "Add Category Line Item" }).click();
  await expect(page.getByRole("heading", { name: "Add Category Line Item" })).toBeVisible();
  await ready(page, info);
  await page.getByLabel("Description").fill(description);
  await page.getByLabel("Charge Code").fill(code);
  await page.getByLabel("Amount", { exact: true }).fill("15.005");
  await page.getByLabel("Quantity", { exact: true }).fill("3");
  await page.getByLabel("Show Quantity").check();
  await page.getByLabel("Required").check();
  await page.getByRole("button", { name: "Save Category Item" }).click();
  await expect(page.locator("#cat-amount-error")).toContainText("at most 2 decimal places");
  await expect(page.getByLabel("Amount", { exact: true })).toBeFocused();
  // What was typed and ticked is kept.
  await expect(page.getByLabel("Description")).toHaveValue(description);
  await expect(page.getByLabel("Required")).toBeChecked();
  await ready(page, info);
  await axe(page, info, "Add Category Line Item with an error");
  await page.getByLabel("Amount", { exact: true }).fill("15.00");
  await page.getByRole("button", { name: "Save Category Item" }).click();
  await expect(page.getByRole("status")).toContainText("was saved");
  const row = page.locator(`#categories-table tr[data-code="${code}"]`);
  await expect(row).toContainText(description);
  await expect(row).toContainText("$15.00");
  await expect(row).toContainText("Show Quantity, Required");
  await ready(page, info);

  // Edit: the form starts from the line as saved.
  await row.getByRole("link", { name: `Edit ${description}` }).click();
  await expect(page.getByRole("heading", { name: "Edit Category Line Item" })).toBeVisible();
  await ready(page, info);
  await expect(page.getByLabel("Charge Code")).toHaveValue(code);
  await expect(page.getByLabel("Show Quantity")).toBeChecked();
  await page.getByLabel("Amount", { exact: true }).fill("18.50");
  await page.getByLabel("Required").uncheck();
  await page.getByLabel("Impact Balance").check();
  await page.getByRole("button", { name: "Save Category Item" }).click();
  await expect(page.getByRole("status")).toContainText("was saved");
  await expect(row).toContainText("$18.50");
  await expect(row).toContainText("Impact Balance, Show Quantity");
  await expect(row).not.toContainText("Required");
  await ready(page, info);

  // Delete asks first; Keep It leaves the line; Yes, Delete removes it.
  await row.getByRole("link", { name: `Delete ${description}` }).click();
  const confirm = page.getByRole("group", { name: `Confirm: Delete ${description}` });
  await expect(confirm).toBeVisible();
  await expect(confirm.getByRole("button", { name: "Yes, Delete" })).toBeFocused();
  await ready(page, info);
  await axe(page, info, "Delete confirmation");
  await confirm.getByRole("link", { name: "Keep It" }).click();
  await expect(confirm).toHaveCount(0);
  await expect(row).toContainText("$18.50");
  await ready(page, info);
  await row.getByRole("link", { name: `Delete ${description}` }).click();
  await ready(page, info);
  await page.getByRole("group", { name: `Confirm: Delete ${description}` }).getByRole("button", { name: "Yes, Delete" }).press("Enter");
  await expect(page.getByRole("status")).toContainText("was deleted");
  await expect(row).toHaveCount(0);
});
