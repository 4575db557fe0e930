import { expect, test } from "@playwright/test";
import { CSR, hasJs, newUser, ready, signIn } from "./helpers";

function newNumber(info: { project: { name: string } }) {
  return `N${info.project.name.replace(/[^a-z]/g, "").slice(0, 6)}${Date.now().toString(36)}`.toUpperCase();
}

test("a CSR creates an account from Payer Support, then makes it inactive and it takes no payments", async ({ page }, info) => {
  const number = newNumber(info);
  await page.goto(`/sign-in?next=/payer-support%3Fby%3Daccount%26q%3D${number}`);
  await signIn(page, info, CSR.login, CSR.password);
  await expect(page.getByText("No accounts match that search.")).toBeVisible();
  await ready(page, info);

  const create = page.locator("section", { has: page.getByRole("heading", { name: `Create account ${number}` }) });
  await create.getByLabel("First Name").fill("Robin");
  await create.getByRole("button", { name: "Create Account" }).click();
  await expect(create.locator("#new-last_name-error")).toHaveText("Enter the last name.");
  await expect(create.getByLabel("First Name")).toHaveValue("Robin");
  await ready(page, info);
  await create.getByLabel("Last Name").fill("Payer");
  await create.getByRole("button", { name: "Create Account" }).click();
  const row = page.locator("#accounts-table tbody tr");
  await expect(row).toHaveCount(1);
  await expect(row).toContainText("Robin Payer");
  await ready(page, info);

  await row.getByRole("link", { name: `Account details ${number}` }).click();
  await expect(page.getByRole("heading", { name: `Account ${number}` })).toBeVisible();
  await ready(page, info);
  await page.getByLabel("Status").selectOption("inactive");
  await page.getByRole("button", { name: "Save" }).click();
  await expect(page.locator("dl.detail")).toContainText("Inactive");
  await ready(page, info);

  await page.goto(`/pay/${number}`);
  await expect(page.getByRole("alert")).toContainText("This account is inactive");
});

test("an administrator adjusts a balance and sees it in the history", async ({ page }, info) => {
  const number = newNumber(info);
  const admin = newUser(info, "admin");
  await page.goto(`/sign-in?next=/payer-support%3Fby%3Daccount%26q%3D${number}`);
  await signIn(page, info, admin.login, admin.password);
  await ready(page, info);
  const create = page.locator("section", { has: page.getByRole("heading", { name: `Create account ${number}` }) });
  await create.getByLabel("Business Account").check();
  await create.getByLabel("Company Name").fill("Acme Water");
  await create.getByRole("button", { name: "Create Account" }).click();
  await page.locator("#accounts-table").getByRole("link", { name: `Account details ${number}` }).click();
  await expect(page.getByRole("heading", { name: `Account ${number}` })).toBeVisible();
  await ready(page, info);

  const panel = page.locator("section", { has: page.getByRole("heading", { name: "Adjust Balance" }) });
  await panel.getByLabel("Amount").fill("1.005");
  await panel.getByLabel("Reason").fill("Meter reading fee");
  await panel.getByRole("button", { name: "Adjust Balance" }).click();
  await expect(page.locator("#adjust-amount-error")).not.toBeEmpty();
  await ready(page, info);
  await panel.getByLabel("Amount").fill("42.10");
  await panel.getByRole("button", { name: "Adjust Balance" }).click();
  await expect(page.locator("dl.detail")).toContainText("$42.10");
  await expect(page.locator("#history-table")).toContainText("Meter reading fee");
  await expect(page.locator("#history-table")).toContainText("Balance adjustment");
});

test("a CSR finds an account by name, with suggestions while typing", async ({ page }, info) => {
  // An account of its own with a name no other test uses.
  const number = newNumber(info);
  const last = `Qz${Date.now().toString(36)}${info.project.name.replace(/[^a-z]/g, "")}`;
  await page.goto(`/sign-in?next=/payer-support%3Fby%3Daccount%26q%3D${number}`);
  await signIn(page, info, CSR.login, CSR.password);
  await ready(page, info);
  const create = page.locator("section", { has: page.getByRole("heading", { name: `Create account ${number}` }) });
  await create.getByLabel("First Name").fill("Rowan");
  await create.getByLabel("Last Name").fill(last);
  await create.getByRole("button", { name: "Create Account" }).click();
  await expect(page.locator("#accounts-table tbody tr")).toContainText(`Rowan ${last}`);
  await ready(page, info);

  await page.getByLabel("Search by").selectOption("name");
  if (hasJs(info)) {
    // Suggestions after a pause in typing; one of them opens the account.
    await page.getByLabel("Search for").fill("");
    await page.getByLabel("Search for").pressSequentially(last.slice(0, 6).toLowerCase());
    const suggestion = page.locator("#search-suggestions").getByRole("link", { name: new RegExp(`Rowan ${last}`) });
    await expect(suggestion).toBeVisible();
    await suggestion.click();
    await expect(page).toHaveURL(new RegExp(`q=${number}`));
  } else {
    await page.getByLabel("Search for").fill(`rowan ${last.toLowerCase()}`);
    await page.getByRole("button", { name: "Search" }).click();
  }
  await expect(page.locator("#accounts-table tbody tr")).toHaveCount(1);
  await expect(page.locator("#accounts-table tbody tr")).toContainText(number);
});
