//! SDK errors → [`StoreError`]. Throttling, capacity and transport failures are `Unavailable`
//! (the core turns that into a retryable 503 / `temporarily_unavailable`); everything else the
//! service rejects is `Backend` (a bug or a misconfigured table, logged once at the edge).

use aws_sdk_dynamodb::error::{ProvideErrorMetadata, SdkError};
use edgeid_core::store::StoreError;

/// Service error codes that mean "try again later".
const RETRYABLE: [&str; 8] = [
    "ProvisionedThroughputExceededException",
    "ThrottlingException",
    "RequestLimitExceeded",
    "InternalServerError",
    "ServiceUnavailable",
    "LimitExceededException",
    "TransactionConflictException",
    "TransactionInProgressException",
];

pub(crate) fn is_retryable_code(code: Option<&str>) -> bool {
    code.is_some_and(|c| RETRYABLE.contains(&c))
}

/// Map any SDK failure that the caller did not handle itself.
pub(crate) fn map<E, R>(op: &str, err: SdkError<E, R>) -> StoreError
where
    E: ProvideErrorMetadata + std::error::Error + 'static,
    R: std::fmt::Debug + 'static,
{
    match &err {
        SdkError::TimeoutError(_) | SdkError::DispatchFailure(_) | SdkError::ResponseError(_) => {
            StoreError::Unavailable(format!("dynamodb {op}: {}", describe(&err)))
        }
        SdkError::ServiceError(service) => {
            let e = service.err();
            let message = format!("dynamodb {op}: {}: {}", e.code().unwrap_or("unknown"), e.message().unwrap_or(""));
            if is_retryable_code(e.code()) { StoreError::Unavailable(message) } else { StoreError::Backend(message) }
        }
        _ => StoreError::Backend(format!("dynamodb {op}: {}", describe(&err))),
    }
}

/// The whole source chain: the SDK's top-level `Display` only says "dispatch failure".
fn describe(err: &(dyn std::error::Error + 'static)) -> String {
    let mut out = err.to_string();
    let mut source = err.source();
    while let Some(s) = source {
        out.push_str(": ");
        out.push_str(&s.to_string());
        source = s.source();
    }
    out
}

#[cfg(test)]
mod tests {
    use aws_sdk_dynamodb::error::{ConnectorError, ErrorMetadata};
    use aws_sdk_dynamodb::operation::get_item::GetItemError;
    use aws_sdk_dynamodb::types::error::{
        InternalServerError, ProvisionedThroughputExceededException, RequestLimitExceeded, ResourceNotFoundException,
    };

    use super::*;

    /// What the SDK's deserializer attaches to every service error: the wire error code.
    fn meta(code: &str) -> ErrorMetadata {
        ErrorMetadata::builder().code(code).build()
    }

    fn service(err: GetItemError) -> StoreError {
        map("GetItem", SdkError::<GetItemError, ()>::service_error(err, ()))
    }

    #[test]
    fn throttling_and_outages_are_retryable() {
        let throttled = ProvisionedThroughputExceededException::builder()
            .message("slow down")
            .meta(meta("ProvisionedThroughputExceededException"))
            .build();
        let e = service(GetItemError::ProvisionedThroughputExceededException(throttled));
        assert!(
            matches!(&e, StoreError::Unavailable(m) if m.contains("ProvisionedThroughputExceededException")),
            "{e:?}"
        );
        let limit = RequestLimitExceeded::builder().message("account limit").meta(meta("RequestLimitExceeded")).build();
        assert!(matches!(service(GetItemError::RequestLimitExceeded(limit)), StoreError::Unavailable(_)));
        let internal = InternalServerError::builder().message("oops").meta(meta("InternalServerError")).build();
        assert!(matches!(service(GetItemError::InternalServerError(internal)), StoreError::Unavailable(_)));

        let refused = std::io::Error::new(std::io::ErrorKind::ConnectionRefused, "refused");
        let e = map("GetItem", SdkError::<GetItemError, ()>::dispatch_failure(ConnectorError::io(refused.into())));
        assert!(matches!(&e, StoreError::Unavailable(m) if m.contains("refused")), "{e:?}");
        let e = map("GetItem", SdkError::<GetItemError, ()>::timeout_error("attempt timeout"));
        assert!(matches!(e, StoreError::Unavailable(_)));
    }

    #[test]
    fn a_misconfigured_table_is_a_backend_error() {
        let missing =
            ResourceNotFoundException::builder().message("no table").meta(meta("ResourceNotFoundException")).build();
        let e = service(GetItemError::ResourceNotFoundException(missing));
        assert!(matches!(&e, StoreError::Backend(m) if m.contains("ResourceNotFoundException")), "{e:?}");
    }
}
