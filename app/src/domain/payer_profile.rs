//! The payer site's Profile (help center section 5: "notification
//! preferences (email/text alerts), change password/challenge questions,
//! add/delete payment methods"): what the page shows and the checks of its
//! forms. Pure: the same checks run in the browser and on the server.

use super::email::Email;
use super::payer_account::check_challenge;
use super::payment_link::MobileNumber;
use super::plan::SavedMethodLine;
use crate::error::FieldErrors;
use serde::{Deserialize, Serialize};

/// The Profile page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PayerProfile {
    pub user_id: String,
    /// None: an enrollment imported by a file, whose mail goes to its
    /// accounts' address until the payer sets one.
    pub email: Option<String>,
    pub questions: [Option<String>; 2],
    pub alerts: Alerts,
    pub methods: Vec<SavedMethodLine>,
}

/// Which notices the payer wants, and where texts go.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Alerts {
    /// Cancellation, refund, return and automatic payment notices by email
    /// (a receipt always goes to the address its payment gave).
    pub email: bool,
    /// Every notice by text too.
    pub text: bool,
    pub mobile: Option<MobileNumber>,
}

/// Profile's Email, as posted. The current password confirms it: the
/// email is where Forgot Password's link goes.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct EmailForm {
    pub email: String,
    pub current: String,
}

pub fn check_email_form(form: &EmailForm) -> Result<Email, FieldErrors> {
    let mut errors = FieldErrors::new();
    let email = Email::parse(form.email.trim());
    if let Err(e) = &email {
        errors.add("email", e.to_string());
    }
    if form.current.is_empty() {
        errors.add("current", "Enter your current password.");
    }
    match email {
        Ok(email) if errors.is_empty() => Ok(email),
        _ => Err(errors.keep("email", &form.email)),
    }
}

/// Profile's Challenge Questions, as posted (both questions and both
/// answers are set together).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct QuestionsForm {
    pub question1: String,
    pub answer1: String,
    pub question2: String,
    pub answer2: String,
    pub current: String,
}

pub fn check_questions_form(form: &QuestionsForm) -> Result<[(String, String); 2], FieldErrors> {
    let mut errors = FieldErrors::new();
    let one = check_challenge(1, &form.question1, &form.answer1, &mut errors);
    let two = check_challenge(2, &form.question2, &form.answer2, &mut errors);
    if !form.question1.is_empty() && form.question1 == form.question2 {
        errors.add("question2", "Choose two different questions.");
    }
    if form.current.is_empty() {
        errors.add("current", "Enter your current password.");
    }
    match (one, two) {
        (Some(one), Some(two)) if errors.is_empty() => Ok([one, two]),
        _ => Err(errors
            .keep("question1", &form.question1)
            .keep("question2", &form.question2)),
    }
}

/// Profile's Alerts, as posted: a checkbox is absent when unchecked.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct AlertsForm {
    pub email_alerts: Option<String>,
    pub text_alerts: Option<String>,
    pub mobile: String,
}

/// Text alerts need a mobile number; a number may be kept with texts off.
pub fn check_alerts_form(form: &AlertsForm) -> Result<Alerts, FieldErrors> {
    let mut errors = FieldErrors::new();
    let text = form.text_alerts.is_some();
    let typed = form.mobile.trim();
    let mobile = if typed.is_empty() {
        if text {
            errors.add("mobile", "Enter the mobile number for text alerts.");
        }
        None
    } else {
        match MobileNumber::parse(typed) {
            Ok(m) => Some(m),
            Err(e) => {
                errors.add("mobile", e);
                None
            }
        }
    };
    if errors.is_empty() {
        Ok(Alerts {
            email: form.email_alerts.is_some(),
            text,
            mobile,
        })
    } else {
        let on = |v: &Option<String>| if v.is_some() { "on" } else { "" };
        Err(errors
            .keep("mobile", &form.mobile)
            .keep("email_alerts", on(&form.email_alerts))
            .keep("text_alerts", on(&form.text_alerts)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::payer_account::CHALLENGE_QUESTIONS;

    fn alerts(email: bool, text: bool, mobile: &str) -> AlertsForm {
        AlertsForm {
            email_alerts: email.then(|| "on".into()),
            text_alerts: text.then(|| "on".into()),
            mobile: mobile.into(),
        }
    }

    #[test]
    fn text_alerts_need_a_mobile_number() {
        let e = check_alerts_form(&alerts(true, true, "")).unwrap_err();
        assert!(e.message_for("mobile").is_some());
        let a = check_alerts_form(&alerts(false, true, "(555) 201-0147")).unwrap();
        assert!(!a.email && a.text);
        assert_eq!(a.mobile.unwrap().as_str(), "+15552010147");
    }

    #[test]
    fn a_number_is_kept_with_texts_off_but_must_be_valid() {
        let a = check_alerts_form(&alerts(true, false, "555-201-0147")).unwrap();
        assert!(a.email && !a.text && a.mobile.is_some());
        let e = check_alerts_form(&alerts(true, false, "12")).unwrap_err();
        assert!(e.message_for("mobile").is_some());
        assert_eq!(e.value_for("mobile"), Some("12"));
        assert_eq!(
            check_alerts_form(&alerts(false, false, "")).unwrap().mobile,
            None
        );
    }

    #[test]
    fn email_needs_an_address_and_the_current_password() {
        let e = check_email_form(&EmailForm {
            email: "not-an-address".into(),
            current: String::new(),
        })
        .unwrap_err();
        assert!(e.message_for("email").is_some() && e.message_for("current").is_some());
        let ok = check_email_form(&EmailForm {
            email: " pat@example.com ".into(),
            current: "x".into(),
        })
        .unwrap();
        assert_eq!(ok.as_str(), "pat@example.com");
    }

    #[test]
    fn questions_are_two_different_ones_with_answers() {
        let form = QuestionsForm {
            question1: CHALLENGE_QUESTIONS[0].into(),
            answer1: " Rex ".into(),
            question2: CHALLENGE_QUESTIONS[0].into(),
            answer2: String::new(),
            current: "pw".into(),
        };
        let e = check_questions_form(&form).unwrap_err();
        assert!(e.message_for("question2").is_some() && e.message_for("answer2").is_some());
        let ok = check_questions_form(&QuestionsForm {
            question2: CHALLENGE_QUESTIONS[1].into(),
            answer2: "Boston".into(),
            ..form
        })
        .unwrap();
        // Answers are case-sensitive and kept trimmed.
        assert_eq!(ok[0].1, "Rex");
        assert_eq!(ok[1].0, CHALLENGE_QUESTIONS[1]);
    }
}
