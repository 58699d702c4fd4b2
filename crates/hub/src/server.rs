//! Running the hub: open the store, serve the router on a listener, run retention in the
//! background, and shut down cleanly (in-flight requests finish, queued writes commit).

use std::future::Future;

use tokio::net::TcpListener;
use tokio::sync::watch;

use crate::api::{AppState, router};
use crate::store::{Store, StoreConfig};
use crate::{Error, Result};

/// How to run a hub.
#[derive(Debug, Clone)]
pub struct HubOptions {
    /// The store.
    pub store: StoreConfig,
    /// Hosts the spec says should exist (shown as "expected" even before they report).
    pub expected_hosts: Vec<String>,
}

/// Serve the hub on `listener` until `shutdown` resolves. Reads are open without a token only
/// when the listener is bound to a loopback address.
pub async fn serve(
    listener: TcpListener,
    options: HubOptions,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<()> {
    let addr = listener.local_addr().map_err(|source| Error::Io {
        context: "cannot read the listening address".into(),
        source,
    })?;
    let store = Store::open(options.store)?;
    let open_reads = addr.ip().is_loopback();
    let state = AppState::new(store.clone(), open_reads, options.expected_hosts);

    let (stop, stopped) = watch::channel(false);
    let retention = {
        let store = store.clone();
        let mut stopped = stopped.clone();
        tokio::spawn(async move {
            store
                .run_retention(async move {
                    let _ = stopped.wait_for(|s| *s).await;
                })
                .await
        })
    };
    tracing::info!(%addr, db = %store.config().path.display(), open_reads, "Hub listening");
    let served = axum::serve(listener, router(state))
        .with_graceful_shutdown(shutdown)
        .await;
    let _ = stop.send(true);
    let _ = retention.await;
    store.close().await;
    tracing::info!("Hub stopped");
    served.map_err(|source| Error::Io {
        context: format!("serving on {addr}"),
        source,
    })
}
