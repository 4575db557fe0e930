//! An enrolled payer's sign-in on the payer site (help center P1 and B7):
//! Register Now's form and its checks, the User ID, the lockout's numbers,
//! and what the payer and the console are shown of an enrolled payer.
//! Pure: the same checks run in the browser and on the server.

use crate::error::FieldErrors;
use serde::{Deserialize, Serialize};

/// Failed sign-ins in a row before the payer is locked out, and for how
/// long (help center B7: four, and 30 minutes).
pub const LOCK_AFTER: i64 = 4;
pub const LOCK_MINUTES: i64 = 30;

/// The one answer to every failed payer sign-in, whatever the cause: it
/// tells nobody whether a User ID exists, is locked or has no password.
pub const SIGN_IN_FAILED: &str = "Sign-in failed. Check your User ID and password. \
    After 4 failed attempts in a row, sign-in is locked for 30 minutes.";

/// The longest User ID (the universal file's `user_id` column allows 64).
pub const USER_ID_MAX: usize = 64;
/// The longest challenge answer kept (as an argon2id hash).
pub const ANSWER_MAX: usize = 64;

/// The challenge questions Register Now offers; the payer picks two
/// different ones. Answers are case-sensitive (help center P1).
pub const CHALLENGE_QUESTIONS: &[&str] = &[
    "What was the name of your first pet?",
    "In what city were you born?",
    "What was the name of your first school?",
    "What is your oldest cousin's first name?",
    "What was the make of your first car?",
    "What street did you grow up on?",
];

/// A payer's User ID as chosen on Register Now: 3 to 64 letters, digits
/// and `. _ - @`. Kept as typed (the universal file's User IDs, which may
/// hold any visible characters, are matched exactly too).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PayerUserId(String);

impl PayerUserId {
    pub fn parse(input: &str) -> Result<PayerUserId, &'static str> {
        let s = input.trim();
        if s.is_empty() {
            return Err("Choose a User ID.");
        }
        if !(3..=USER_ID_MAX).contains(&s.chars().count()) {
            return Err("A User ID has 3 to 64 characters.");
        }
        if !s
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "._-@".contains(c))
        {
            return Err("Use only letters, digits and . _ - @ in a User ID.");
        }
        Ok(PayerUserId(s.to_string()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Register Now, as typed.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct RegisterForm {
    pub account: String,
    /// The last name on the account, or the business name (as One Time
    /// Payment asks it).
    pub name: String,
    pub email: String,
    pub user_id: String,
    pub password: String,
    pub confirm: String,
    pub question1: String,
    pub answer1: String,
    pub question2: String,
    pub answer2: String,
}

/// Sign In on the payer site, as typed.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct PayerSignInForm {
    pub user_id: String,
    pub password: String,
}

/// The payer's Change Password, as typed.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct NewPasswordForm {
    pub current: String,
    pub new: String,
    pub confirm: String,
}

/// Forgot Password's first step, as typed.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct ForgotForm {
    pub user_id: String,
}

/// Forgot Password's last step: the emailed link's token, the challenge
/// answers (when the payer has questions) and the new password.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct ResetForm {
    pub token: String,
    pub answer1: String,
    pub answer2: String,
    pub new: String,
    pub confirm: String,
}

/// The reset link's page: whose password, and the questions to answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ResetPage {
    pub user_id: String,
    pub questions: Vec<String>,
}

/// Register Now once its shape is right (whether the account and name
/// match is the server's to say).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckedRegistration {
    pub account: String,
    pub name: String,
    pub email: String,
    pub user_id: PayerUserId,
    pub password: String,
    /// (question, answer) twice.
    pub challenges: [(String, String); 2],
}

/// The new-password rules for a payer: the staff policy's length and
/// common-password list, not the User ID, and typed the same twice.
pub fn check_new_password(
    user_id: &str,
    new: &str,
    confirm: &str,
    errors: &mut FieldErrors,
    field: &str,
) {
    if let Err(e) = super::staff::check_new_password(new) {
        errors.add(field, e);
    } else if !user_id.is_empty() && new.to_lowercase().contains(&user_id.to_lowercase()) {
        errors.add(field, "Do not use your User ID in your password.");
    }
    if new != confirm {
        errors.add("confirm", "The two passwords are not the same.");
    }
}

pub(crate) fn check_challenge(
    n: u8,
    question: &str,
    answer: &str,
    errors: &mut FieldErrors,
) -> Option<(String, String)> {
    let (qf, af) = (format!("question{n}"), format!("answer{n}"));
    let q = CHALLENGE_QUESTIONS.iter().find(|q| **q == question);
    if q.is_none() {
        errors.add(&qf, "Choose a challenge question.");
    }
    let a = answer.trim();
    if a.is_empty() {
        errors.add(&af, "Enter an answer. Answers are case-sensitive.");
    } else if a.chars().count() > ANSWER_MAX {
        errors.add(&af, "Use at most 64 characters.");
    }
    q.filter(|_| !a.is_empty() && a.chars().count() <= ANSWER_MAX)
        .map(|q| (q.to_string(), a.to_string()))
}

/// Register Now's checks, field by field.
pub fn check_register(form: &RegisterForm) -> Result<CheckedRegistration, FieldErrors> {
    let mut errors = FieldErrors::new();
    let account = super::payment_link::check_identifiers(&form.account, &form.name, &mut errors);
    let email = super::email::Email::parse(form.email.trim());
    if let Err(e) = &email {
        errors.add("email", e.to_string());
    }
    let user_id = PayerUserId::parse(&form.user_id);
    if let Err(e) = &user_id {
        errors.add("user_id", *e);
    }
    check_new_password(
        form.user_id.trim(),
        &form.password,
        &form.confirm,
        &mut errors,
        "password",
    );
    let one = check_challenge(1, &form.question1, &form.answer1, &mut errors);
    let two = check_challenge(2, &form.question2, &form.answer2, &mut errors);
    if !form.question1.is_empty() && form.question1 == form.question2 {
        errors.add("question2", "Choose two different questions.");
    }
    match (account, email, user_id, one, two) {
        (Some(account), Ok(email), Ok(user_id), Some(one), Some(two)) if errors.is_empty() => {
            Ok(CheckedRegistration {
                account,
                name: form.name.trim().to_string(),
                email: email.as_str().to_string(),
                user_id,
                password: form.password.clone(),
                challenges: [one, two],
            })
        }
        _ => Err(errors
            .keep("account", &form.account)
            .keep("name", &form.name)
            .keep("email", &form.email)
            .keep("user_id", &form.user_id)
            .keep("question1", &form.question1)
            .keep("question2", &form.question2)),
    }
}

/// What an enrolled payer did, or what was done to their sign-in: the
/// console's Activity log (help center B2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum PayerEvent {
    Enrolled,
    SignedIn,
    SignInFailed,
    LockedOut,
    SignedOut,
    PasswordChanged,
    /// A CSR's Change Password: a temporary password, emailed.
    PasswordReset,
    /// A CSR's Lock (until unlocked).
    Locked,
    Unlocked,
    EmailChanged,
    /// Forgot Password: a reset link emailed.
    ResetRequested,
    /// Profile: the challenge questions and answers.
    QuestionsChanged,
    /// Profile: Alerts (email, text, the mobile number).
    AlertsChanged,
    /// Profile: a saved card or bank account added or deleted.
    MethodAdded,
    MethodDeleted,
    /// Read from `plans`: a CSR set a plan up; a plan ended or was
    /// cancelled (by anyone, with why).
    PlanSetUp,
    PlanEnded,
    /// Read from `payment_links`: a CSR sent a link; a link was paid.
    LinkSent,
    LinkUsed,
}

impl PayerEvent {
    pub const ALL: [PayerEvent; 19] = [
        PayerEvent::Enrolled,
        PayerEvent::SignedIn,
        PayerEvent::SignInFailed,
        PayerEvent::LockedOut,
        PayerEvent::SignedOut,
        PayerEvent::PasswordChanged,
        PayerEvent::PasswordReset,
        PayerEvent::Locked,
        PayerEvent::Unlocked,
        PayerEvent::EmailChanged,
        PayerEvent::ResetRequested,
        PayerEvent::QuestionsChanged,
        PayerEvent::AlertsChanged,
        PayerEvent::MethodAdded,
        PayerEvent::MethodDeleted,
        PayerEvent::PlanSetUp,
        PayerEvent::PlanEnded,
        PayerEvent::LinkSent,
        PayerEvent::LinkUsed,
    ];

    pub fn code(self) -> &'static str {
        match self {
            PayerEvent::Enrolled => "enrolled",
            PayerEvent::SignedIn => "sign_in",
            PayerEvent::SignInFailed => "sign_in_failed",
            PayerEvent::LockedOut => "locked_out",
            PayerEvent::SignedOut => "sign_out",
            PayerEvent::PasswordChanged => "password_changed",
            PayerEvent::PasswordReset => "password_reset",
            PayerEvent::Locked => "locked",
            PayerEvent::Unlocked => "unlocked",
            PayerEvent::EmailChanged => "email_changed",
            PayerEvent::ResetRequested => "reset_requested",
            PayerEvent::QuestionsChanged => "questions_changed",
            PayerEvent::AlertsChanged => "alerts_changed",
            PayerEvent::MethodAdded => "method_added",
            PayerEvent::MethodDeleted => "method_deleted",
            PayerEvent::PlanSetUp => "plan_set_up",
            PayerEvent::PlanEnded => "plan_ended",
            PayerEvent::LinkSent => "link_sent",
            PayerEvent::LinkUsed => "link_used",
        }
    }

    pub fn from_code(code: &str) -> Option<PayerEvent> {
        Self::ALL.into_iter().find(|e| e.code() == code)
    }

    /// As the Activity log shows it.
    pub fn label(self) -> &'static str {
        match self {
            PayerEvent::Enrolled => "Enrollment",
            PayerEvent::SignedIn => "Sign-in",
            PayerEvent::SignInFailed => "Failed sign-in",
            PayerEvent::LockedOut => "Locked out (4 failed sign-ins)",
            PayerEvent::SignedOut => "Sign-out",
            PayerEvent::PasswordChanged => "Password changed",
            PayerEvent::PasswordReset => "Temporary password sent",
            PayerEvent::Locked => "Locked by staff",
            PayerEvent::Unlocked => "Unlocked by staff",
            PayerEvent::EmailChanged => "Email changed",
            PayerEvent::ResetRequested => "Forgot Password link sent",
            PayerEvent::QuestionsChanged => "Challenge questions changed",
            PayerEvent::AlertsChanged => "Alert preferences changed",
            PayerEvent::MethodAdded => "Payment method added",
            PayerEvent::MethodDeleted => "Payment method deleted",
            PayerEvent::PlanSetUp => "Automatic payment set up",
            PayerEvent::PlanEnded => "Automatic payment ended",
            PayerEvent::LinkSent => "Payment link sent",
            PayerEvent::LinkUsed => "Payment link used",
        }
    }
}

/// One line of the Activity log.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ActivityLine {
    /// When, in the biller's zone ("2026-12-04 13:05").
    pub at: String,
    pub event: String,
    /// Who, when it was staff ("by casey"), or the address it came from.
    pub detail: String,
}

/// One line of the Alerts log: a notice sent (or being sent) to the payer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AlertLine {
    pub at: String,
    /// "Payment receipt", "Payment link", ...
    pub kind: String,
    /// "Email" or "Text"
    pub channel: String,
    pub address: String,
    /// "Sent", "Queued", "Failed", ...
    pub status: String,
}

/// The Alerts log's kinds, channels and states, as shown.
pub const ALERT_KINDS: &[(&str, &str)] = &[
    ("receipt", "Payment receipt"),
    ("cancelled", "Cancellation notice"),
    ("refund", "Refund notice"),
    ("returned", "Returned payment notice"),
    ("plan", "Automatic payment notice"),
    ("link", "Payment link"),
];
pub const ALERT_CHANNELS: &[(&str, &str)] = &[("email", "Email"), ("text", "Text")];
pub const ALERT_STATES: &[(&str, &str)] = &[
    ("queued", "Queued"),
    ("sending", "Sending"),
    ("sent", "Sent"),
    ("failed", "Failed"),
    ("skipped", "Not sent (email alerts off)"),
    ("revoked", "Sent, then revoked"),
];

/// A code's label in one of the lists above (the code itself if unknown).
pub fn label_of(list: &[(&str, &'static str)], code: &str) -> String {
    list.iter()
        .find(|(c, _)| *c == code)
        .map_or_else(|| code.to_string(), |(_, l)| (*l).to_string())
}

/// Enrolled User Information (console, Payer Support by User ID).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EnrolledUser {
    pub user_id: String,
    pub email: Option<String>,
    /// The enrollment date, in the biller's zone.
    pub enrolled_on: String,
    /// Locked by failed sign-ins (until a time) or by staff.
    pub locked: bool,
    /// "until 14:35" for a lockout, "until unlocked" for staff's Lock.
    pub locked_note: Option<String>,
    /// False for an enrollment imported by the universal file that has not
    /// had a password yet.
    pub has_password: bool,
    pub must_change_password: bool,
    pub alerts: Vec<AlertLine>,
    pub activity: Vec<ActivityLine>,
}

/// Change Password (console): the temporary password to show for a few
/// seconds, and where it was emailed (None: no address on record, or the
/// mail could not be sent).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TemporaryPassword {
    pub password: String,
    pub emailed_to: Option<String>,
}

/// Payment Activity: the payments on the payer's accounts, newest first,
/// and for each Scheduled one the key its Cancel is sent with (exactly
/// once, however often it is pressed).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PayerPayments {
    pub payments: Vec<super::payment_view::PaymentSummary>,
    pub keys: Vec<Option<String>>,
}

/// The payer's own dashboard: each account with its balance and bills.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PayerHome {
    pub user_id: String,
    pub accounts: Vec<PayerAccount>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PayerAccount {
    pub number: String,
    pub name: String,
    pub balance: super::money::Money,
    /// An inactive account takes no payment (help center B6).
    pub active: bool,
    /// Its active bills, newest first.
    pub bills: Vec<super::bill_view::BillSummary>,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn form() -> RegisterForm {
        RegisterForm {
            account: "100001".into(),
            name: "Rivera".into(),
            email: "ana@example.com".into(),
            user_id: "ana.rivera".into(),
            password: "Correct horse 42".into(),
            confirm: "Correct horse 42".into(),
            question1: CHALLENGE_QUESTIONS[0].into(),
            answer1: "Rex".into(),
            question2: CHALLENGE_QUESTIONS[1].into(),
            answer2: "Hilo".into(),
        }
    }

    #[test]
    fn a_good_registration_passes_with_answers_kept_as_typed() {
        let ok = check_register(&form()).expect("valid");
        assert_eq!(ok.user_id.as_str(), "ana.rivera");
        assert_eq!(ok.challenges[0].1, "Rex", "answers are case-sensitive");
    }

    #[test]
    fn each_bad_field_is_named() {
        let bad = RegisterForm {
            account: "".into(),
            email: "nope".into(),
            user_id: "a b".into(),
            password: "short".into(),
            confirm: "other".into(),
            question2: CHALLENGE_QUESTIONS[0].into(),
            answer2: " ".into(),
            ..form()
        };
        let e = check_register(&bad).expect_err("invalid");
        for f in [
            "account",
            "email",
            "user_id",
            "password",
            "confirm",
            "question2",
            "answer2",
        ] {
            assert!(e.message_for(f).is_some(), "{f} has a message");
        }
        assert!(e.message_for("name").is_none());
        assert_eq!(
            e.value_for("user_id"),
            Some("a b"),
            "what was typed is kept"
        );
        assert!(
            e.value_for("password").is_none(),
            "passwords are never sent back"
        );
    }

    #[test]
    fn the_password_may_not_hold_the_user_id_and_questions_come_from_the_list() {
        let f = RegisterForm {
            password: "ANA.RIVERA-2026!".into(),
            confirm: "ANA.RIVERA-2026!".into(),
            question1: "Anything I like?".into(),
            ..form()
        };
        let e = check_register(&f).expect_err("invalid");
        assert_eq!(
            e.message_for("password"),
            Some("Do not use your User ID in your password.")
        );
        assert!(e.message_for("question1").is_some());
    }

    #[test]
    fn user_ids_are_checked_for_length_and_characters() {
        assert!(PayerUserId::parse("ab").is_err());
        assert!(PayerUserId::parse(&"a".repeat(65)).is_err());
        assert!(PayerUserId::parse("ana@example.com").is_ok());
        assert!(PayerUserId::parse("ana<script>").is_err());
        assert_eq!(PayerUserId::parse(" Ana ").unwrap().as_str(), "Ana");
    }

    #[test]
    fn events_round_trip_through_their_codes() {
        for e in PayerEvent::ALL {
            assert_eq!(PayerEvent::from_code(e.code()), Some(e));
        }
        assert_eq!(PayerEvent::from_code("nope"), None);
    }
}
