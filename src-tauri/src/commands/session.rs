//! Staff sign-in and sign-out. The token the desk gives stays here; the
//! front-end gets the profile only.

use carddesk_wire::{
    DeskError, DeskResult, ErrorCode, EventFilter, SignInRequest, SignedIn, StaffProfile,
};
use tauri::{AppHandle, State};

use crate::desk::offline_only;
use crate::events;
use crate::state::Console;

/// Signs a member of staff in.
#[tauri::command]
pub async fn sign_in(
    app: AppHandle,
    console: State<'_, Console>,
    request: SignInRequest,
) -> DeskResult<StaffProfile> {
    let signed = console.desk().await?.sign_in(&request).await?;
    begin(app, &console, signed).await
}

/// Signs in as one of the offline demo's staff, whose passwords the shell
/// knows (demo data); refused on any other desk.
#[tauri::command]
pub async fn sign_in_demo(
    app: AppHandle,
    console: State<'_, Console>,
    username: String,
) -> DeskResult<StaffProfile> {
    let request = demo_sign_in(console.active().await?.is_demo(), &username)?;
    let signed = console.desk().await?.sign_in(&request).await?;
    begin(app, &console, signed).await
}

/// The sign-in of demo staff member `username`, on the offline demo only.
pub fn demo_sign_in(demo: bool, username: &str) -> DeskResult<SignInRequest> {
    if !demo {
        return Err(offline_only());
    }
    let staff = carddesk_seed::demo_staff(username).ok_or_else(|| {
        DeskError::new(
            ErrorCode::NotFound,
            format!("{username} is not one of the demo staff"),
        )
    })?;
    Ok(SignInRequest {
        username: staff.username.to_owned(),
        password: staff.secret(),
    })
}

/// Keeps the new session's token and starts forwarding its events.
async fn begin(app: AppHandle, console: &Console, signed: SignedIn) -> DeskResult<StaffProfile> {
    let id = console.start_session(signed.token).await;
    let stream = console
        .with_session(
            |desk, token| async move { desk.events(&token, EventFilter::default()).await },
        )
        .await;
    match stream {
        Ok(stream) => {
            console
                .watch_session(id, events::forward_session(app, id, stream))
                .await;
        }
        // The console still works without live events; screens re-read.
        Err(e) => tracing::warn!(code = e.code.as_str(), "no live events for the session"),
    }
    Ok(signed.profile)
}

/// Ends the session, here and on the desk.
#[tauri::command]
pub async fn sign_out(console: State<'_, Console>) -> DeskResult<()> {
    let Some(token) = console.end_session().await else {
        return Ok(());
    };
    match console.desk().await?.sign_out(&token).await {
        Err(e) if e.code != ErrorCode::Unauthenticated => Err(e),
        // A session the desk no longer knows is as signed out as can be.
        _ => Ok(()),
    }
}

/// Who is signed in.
#[tauri::command]
pub async fn me(console: State<'_, Console>) -> DeskResult<StaffProfile> {
    console
        .with_session(|desk, token| async move { desk.me(&token).await })
        .await
}

#[cfg(test)]
mod tests {
    use secrecy::ExposeSecret;

    use super::*;

    #[test]
    fn demo_sign_in_is_for_the_offline_demo_and_its_staff_only() {
        let refused = demo_sign_in(false, "agent.li").expect_err("connected");
        assert_eq!(refused.code, ErrorCode::NotAvailable);
        let unknown = demo_sign_in(true, "admin").expect_err("not demo staff");
        assert_eq!(unknown.code, ErrorCode::NotFound);
        let request = demo_sign_in(true, "agent.li").expect("a demo agent");
        assert_eq!(request.username, "agent.li");
        assert_eq!(
            request.password.expose_secret(),
            carddesk_seed::DEMO_STAFF[0].password
        );
    }
}
