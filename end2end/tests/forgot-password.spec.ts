import { expect, test } from "@playwright/test";
import * as fs from "node:fs";
import * as path from "node:path";
import { mailTo, newUser, ready, signIn, tmpDir } from "./helpers";

// Where the e2e server writes its email (scripts/e2e-server.sh: no SMTP).
const outboxDir = path.join(tmpDir, "data", "outbox");

/** The security codes mailed to `to`, oldest first, once there are `count`. */
async function codesFor(to: string, count: number): Promise<string[]> {
  let codes: string[] = [];
  await expect
    .poll(() => {
      if (!fs.existsSync(outboxDir)) return 0;
      codes = fs
        .readdirSync(outboxDir)
        .map((f) => path.join(outboxDir, f))
        .map((p) => ({ at: fs.statSync(p).mtimeMs, mail: fs.readFileSync(p, "utf8") }))
        .filter((m) => m.mail.toLowerCase().includes(`to: ${to.toLowerCase()}`))
        .sort((a, b) => a.at - b.at)
        .map((m) => m.mail.match(/Security code: (\d{8})/)?.[1] ?? "")
        .filter((c) => c !== "");
      return codes.length;
    })
    .toBeGreaterThanOrEqual(count);
  return codes;
}

test.describe("forgot password and username", () => {
  test("a user who forgot their password gets a code, resends it and sets a new password", async ({ page }, info) => {
    const user = newUser(info);
    const email = `${user.login}@example.com`;
    await page.goto("/sign-in");
    await ready(page, info);
    await page.getByRole("link", { name: "Forgot Your Password?" }).click();
    await expect(page.getByRole("heading", { name: "Forgot Your Password?" })).toBeVisible();
    await ready(page, info);
    // By keyboard: type into the field, Enter submits.
    await page.getByLabel("Login ID").focus();
    await page.keyboard.type(user.login);
    await page.keyboard.press("Enter");

    await expect(page.getByRole("heading", { name: "Security Code Sent!" })).toBeVisible();
    await expect(page.getByRole("heading", { name: "Create New Password" })).toBeVisible();
    await expect(page.getByLabel("Login ID")).toHaveValue(user.login);
    const [first] = await codesFor(email, 1);
    await ready(page, info);

    // Resend Code: a new code, and the first no longer works.
    await page.getByRole("button", { name: "Resend Code" }).click();
    await expect(page.getByText("A new security code is on its way.")).toBeVisible();
    const codes = await codesFor(email, 2);
    const fresh = codes[codes.length - 1];
    expect(fresh).not.toBe(first);
    await ready(page, info);

    const newPassword = `new ${user.password.slice(-10)} pass`;
    const fillForm = async (code: string) => {
      await page.getByRole("textbox", { name: "Security code" }).fill(code);
      await page.getByLabel("New password", { exact: true }).fill(newPassword);
      await page.getByLabel("New password again").fill(newPassword);
      await page.getByRole("button", { name: "Create New Password" }).click();
    };
    await fillForm(first);
    await expect(page.locator("#code-error")).toHaveText("That code is not right. Check the email, or use Resend Code.");
    await expect(page.getByRole("textbox", { name: "Security code" })).toHaveAttribute("aria-invalid", "true");
    await ready(page, info);

    await fillForm(fresh);
    await expect(page).toHaveURL(/\/sign-in\?password_reset=1$/);
    await expect(page.getByText("Your new password is set. Sign in with it.")).toBeVisible();
    await signIn(page, info, user.login, newPassword);
    await expect(page.getByRole("heading", { level: 1, name: "Home" })).toBeVisible();
  });

  test("an unknown login ID gets the same Security Code Sent! page", async ({ page }, info) => {
    await page.goto("/forgot-password");
    await ready(page, info);
    await page.getByLabel("Login ID").fill(`nobody-${Date.now().toString(36)}`);
    await page.getByRole("button", { name: "Send Security Code" }).click();
    await expect(page.getByRole("heading", { name: "Security Code Sent!" })).toBeVisible();
    await expect(page.getByText("If that login ID belongs to an active staff user")).toBeVisible();
  });

  test("forgot username emails the login ID to its address", async ({ page }, info) => {
    const user = newUser(info);
    const email = `${user.login}@example.com`;
    await page.goto("/sign-in");
    await ready(page, info);
    await page.getByRole("link", { name: "Forgot Your Username?" }).click();
    await expect(page.getByRole("heading", { name: "Forgot Your Username?" })).toBeVisible();
    await ready(page, info);
    await page.getByLabel("Email address").fill(email);
    await page.getByRole("button", { name: "Send Username" }).click();
    await expect(page.getByText("Username Sent!")).toBeVisible();
    expect(await mailTo(email, /Login ID: (\S+)/)).toBe(user.login);
  });
});
