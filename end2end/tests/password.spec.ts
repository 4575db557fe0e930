import { expect, test } from "@playwright/test";
import { newUser, ready, signIn, sql } from "./helpers";

test("a user changes their own password from the header", async ({ page }, info) => {
  const user = newUser(info);
  await page.goto("/sign-in?next=/payer-support");
  await signIn(page, info, user.login, user.password);
  await expect(page.getByRole("heading", { name: "Payer Support" })).toBeVisible();
  await ready(page, info);
  await page.getByRole("link", { name: "Change password" }).click();
  await expect(page.getByRole("heading", { name: "Change Password" })).toBeVisible();
  await ready(page, info);
  await page.getByLabel("Current password").fill(user.password);
  await page.getByLabel("New password", { exact: true }).fill("password1234");
  await page.getByLabel("New password again").fill("password1234");
  await page.getByRole("button", { name: "Change Password" }).click();
  await expect(page.locator("#new-error")).toHaveText("That password is too common. Choose another.");
  await ready(page, info);
  const fresh = `fresh ${user.password.slice(-8)} secret`;
  await page.getByLabel("Current password").fill(user.password);
  await page.getByLabel("New password", { exact: true }).fill(fresh);
  await page.getByLabel("New password again").fill(fresh);
  await page.getByRole("button", { name: "Change Password" }).click();
  await expect(page.getByRole("heading", { level: 1, name: "Home" })).toBeVisible();
  await ready(page, info);
  await page.getByRole("button", { name: "Sign out" }).click();
  // Signed out before the next page is asked for (with JavaScript the sign-out is a request of its own).
  await expect(page).toHaveURL(/\/sign-in\?signed_out=1/);
  await page.goto("/sign-in?next=/payer-support");
  await signIn(page, info, user.login, fresh);
  await expect(page.getByRole("heading", { name: "Payer Support" })).toBeVisible();
});

test("a temporary password leads to Change Password and nowhere else", async ({ page }, info) => {
  const user = newUser(info);
  sql(`UPDATE staff_users SET must_change_password = 1 WHERE login = '${user.login}'`);
  await page.goto("/sign-in?next=/payer-support");
  await signIn(page, info, user.login, user.password);
  await expect(page.getByRole("heading", { name: "Change Password" })).toBeVisible();
  await expect(page.getByText("Your password is temporary or has expired.")).toBeVisible();
  await page.goto("/payer-support?by=account&q=100003");
  await expect(page).toHaveURL(/\/account\/password\?required=1$/);
  await ready(page, info);
  const own = `my own ${user.password.slice(-8)} words`;
  await page.getByLabel("Current password").fill(user.password);
  await page.getByLabel("New password", { exact: true }).fill(own);
  await page.getByLabel("New password again").fill(own);
  await page.getByRole("button", { name: "Change Password" }).click();
  await expect(page.getByRole("heading", { level: 1, name: "Home" })).toBeVisible();
});
