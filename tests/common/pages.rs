//! Staff pages as a browser without JavaScript uses them: sign in through the form, then GET pages and
//! POST forms with the session's cookie and CSRF token.

use reqwest::StatusCode;
use reqwest::header;

/// A client that shows redirects rather than following them.
pub fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

/// The value of the first `name="…" value="…"` attribute pair after `marker`.
pub fn field_after(html: &str, marker: &str) -> String {
    let start = html
        .find(marker)
        .unwrap_or_else(|| panic!("{marker} in {html}"))
        + marker.len();
    let end = html[start..].find('"').unwrap() + start;
    html[start..end].to_string()
}

/// A signed-in browser: its session cookie and CSRF token.
pub struct Session {
    pub cookie: String,
    pub csrf: String,
}

/// Signs in through the form; None when the password is refused.
pub async fn sign_in(base: &str, login: &str, password: &str) -> Option<Session> {
    let form = client().get(format!("{base}/signin")).send().await.unwrap();
    let signin_cookie = form
        .headers()
        .get_all(header::SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|l| l.starts_with("aboard_signin="))
        .unwrap()
        .split(';')
        .next()
        .unwrap()
        .to_string();
    let csrf = field_after(&form.text().await.unwrap(), "name=\"csrf\" value=\"");
    let signed = client()
        .post(format!("{base}/signin"))
        .header(header::COOKIE, &signin_cookie)
        .form(&[
            ("csrf", csrf.as_str()),
            ("login", login),
            ("password", password),
            ("next", "/"),
        ])
        .send()
        .await
        .unwrap();
    if signed.status() != StatusCode::SEE_OTHER {
        return None;
    }
    let cookie = signed
        .headers()
        .get_all(header::SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|l| l.starts_with("aboard_session="))?
        .split(';')
        .next()
        .unwrap()
        .to_string();
    let home = get(base, &cookie, "/").await;
    let csrf = field_after(&home.text().await.unwrap(), "name=\"csrf\" value=\"");
    Some(Session { cookie, csrf })
}

pub async fn get(base: &str, cookie: &str, path: &str) -> reqwest::Response {
    client()
        .get(format!("{base}{path}"))
        .header(header::COOKIE, cookie)
        .send()
        .await
        .unwrap()
}

pub async fn post(
    base: &str,
    session: &Session,
    path: &str,
    form: &[(&str, &str)],
) -> reqwest::Response {
    let mut fields = vec![("csrf", session.csrf.as_str())];
    fields.extend_from_slice(form);
    client()
        .post(format!("{base}{path}"))
        .header(header::COOKIE, &session.cookie)
        .form(&fields)
        .send()
        .await
        .unwrap()
}
