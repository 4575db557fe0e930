import { expect, test } from "@playwright/test";
import { mailTo, newUser, ready, secondBrowser, signIn } from "./helpers";

test("an administrator adds a CSR, who must change the temporary password and can't reach User Admin", async ({ page }, info) => {
  const admin = newUser(info, "admin");
  const login = `new-${info.project.name}-${Date.now().toString(36)}`;
  const email = `${login}@example.com`;
  await page.goto("/sign-in?next=/admin/users");
  await signIn(page, info, admin.login, admin.password);
  await expect(page.getByRole("heading", { name: "User Admin" })).toBeVisible();
  await ready(page, info);
  await expect(page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "User Admin" })).toBeVisible();

  // A bad login ID is named next to its field, and what was typed stays.
  await page.getByLabel("Login ID").fill("x");
  await page.getByLabel("Email").fill(email);
  await page.getByRole("button", { name: "Add user" }).click();
  await expect(page.locator("#add-login-error")).toHaveText("A login ID has 3 to 64 characters.");
  await expect(page.getByLabel("Email")).toHaveValue(email);
  await ready(page, info);
  await page.getByLabel("Login ID").fill(login);
  await page.getByRole("radio", { name: "CSR" }).check();
  await page.getByRole("button", { name: "Add user" }).click();
  await expect(page.getByRole("heading", { name: `User ${login}` })).toBeVisible();
  await expect(page.locator("dl.review")).toContainText("Temporary password");
  const temporary = await mailTo(email, /Temporary password:\s+(\S+)/);
  await ready(page, info);
  await page.getByRole("button", { name: "Sign out" }).click();
  // Signed out before the next page is asked for (with JavaScript the sign-out is a request of its own).
  await expect(page).toHaveURL(/\/sign-in\?signed_out=1/);

  // The temporary password works once, and only for Change Password.
  await page.goto("/sign-in?next=/payer-support");
  await signIn(page, info, login, temporary);
  await expect(page.getByRole("heading", { name: "Change Password" })).toBeVisible();
  await expect(page.getByText("Your password is temporary or has expired.")).toBeVisible();
  await ready(page, info);
  const own = `own words ${Date.now().toString(36)} here`;
  await page.getByLabel("Current password").fill(temporary);
  await page.getByLabel("New password", { exact: true }).fill(own);
  await page.getByLabel("New password again").fill(own);
  await page.getByRole("button", { name: "Change Password" }).click();
  await expect(page.getByRole("heading", { level: 1, name: "Home" })).toBeVisible();
  await ready(page, info);

  // No link to User Admin, and typing its address is refused.
  await expect(page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "User Admin" })).toHaveCount(0);
  const refused = await page.goto("/admin/users");
  expect(refused?.status()).toBe(403);
  await expect(page.getByRole("alert")).toContainText("You don't have permission to do that.");
  await expect(page.locator("#users-table")).toHaveCount(0);
});

test("the administrator deactivates a CSR, and the CSR's open session ends", async ({ page, browser }, info) => {
  const csr = newUser(info);
  await page.goto("/sign-in?next=/payer-support");
  await signIn(page, info, csr.login, csr.password);
  await expect(page.getByRole("heading", { name: "Payer Support" })).toBeVisible();

  const admin = newUser(info, "admin");
  const adminPage = await secondBrowser(browser, info);
  await adminPage.goto(`/sign-in?next=/admin/users/${csr.login}`);
  await signIn(adminPage, info, admin.login, admin.password);
  await expect(adminPage.getByRole("heading", { name: `User ${csr.login}` })).toBeVisible();
  await ready(adminPage, info);
  await adminPage.getByRole("button", { name: "Deactivate" }).click();
  await expect(adminPage.getByRole("button", { name: "Activate" })).toBeVisible();
  await expect(adminPage.locator("dl.review")).toContainText("Inactive");
  await adminPage.context().close();

  // The CSR's next request finds the session gone.
  await page.goto("/payer-support?by=account&q=100003");
  await expect(page).toHaveURL(/\/sign-in\?next=/);
  await signIn(page, info, csr.login, csr.password);
  await expect(page.getByRole("alert")).toContainText("Sign-in failed");
});
