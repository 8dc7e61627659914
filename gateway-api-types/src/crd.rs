//! The CustomResourceDefinitions of a channel, generated from the types.
//!
//! [`crds`] returns, for every kind of the channel, one CRD with every served version, as
//! upstream's `config/crd/<channel>/*.yaml` define them: names, scope, short names,
//! categories, printer columns, status subresource, served/storage flags and schemas.

use k8s_openapi::apiextensions_apiserver::pkg::apis::apiextensions::v1::CustomResourceDefinition;
use kube_core::crd::{MergeError, merge_crds};

use crate::GatewayApiResource;
use crate::schema::Channel;

/// Upstream release these types mirror.
pub const BUNDLE_VERSION: &str = "v1.6.1";
/// The API approval annotation upstream's CRDs carry.
const API_APPROVED: &str = "https://github.com/kubernetes-sigs/gateway-api/pull/4530";

/// Builds the single-version CRD of one served version in a channel.
pub(crate) type VersionFn = fn(Channel) -> Result<CustomResourceDefinition, serde_json::Error>;

/// One kind: its versions (in upstream's order), and whether it exists in the standard
/// channel at all.
struct KindEntry {
    versions: &'static [VersionFn],
    experimental_only: bool,
}

/// Every kind, in upstream's file order.
fn kinds() -> Vec<KindEntry> {
    use crate::{v1, v1alpha2, v1alpha3, v1beta1};
    let standard = |versions| KindEntry {
        versions,
        experimental_only: false,
    };
    #[allow(unused_mut)]
    let mut kinds = vec![
        standard(&[
            v1::BackendTLSPolicy::crd_for,
            v1alpha3::BackendTLSPolicy::crd_for,
        ]),
        standard(&[v1::GatewayClass::crd_for, v1beta1::GatewayClass::crd_for]),
        standard(&[v1::Gateway::crd_for, v1beta1::Gateway::crd_for]),
        standard(&[v1::GRPCRoute::crd_for]),
        standard(&[v1::HTTPRoute::crd_for, v1beta1::HTTPRoute::crd_for]),
        standard(&[v1::ListenerSet::crd_for]),
        standard(&[
            v1::ReferenceGrant::crd_for,
            v1beta1::ReferenceGrant::crd_for,
        ]),
        standard(&[v1::TCPRoute::crd_for, v1alpha2::TCPRoute::crd_for]),
        standard(&[
            v1::TLSRoute::crd_for,
            v1alpha2::TLSRoute::crd_for,
            v1alpha3::TLSRoute::crd_for,
        ]),
        standard(&[v1::UDPRoute::crd_for, v1alpha2::UDPRoute::crd_for]),
    ];
    #[cfg(feature = "experimental")]
    {
        use crate::x::v1alpha1 as x;
        let experimental = |versions| KindEntry {
            versions,
            experimental_only: true,
        };
        kinds.extend([
            experimental(&[x::XBackend::crd_for]),
            experimental(&[x::XBackendTrafficPolicy::crd_for]),
            experimental(&[x::XMesh::crd_for]),
        ]);
    }
    kinds
}

/// Why the CRDs of a channel could not be built.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum CrdError {
    /// The experimental channel's types are compiled only with the `experimental` feature.
    #[error("the experimental channel needs the `experimental` cargo feature of gateway-api-types")]
    ExperimentalFeatureDisabled,
    /// A generated schema did not convert into `JSONSchemaProps` (a bug in this crate).
    #[error("generated schema is not a valid JSONSchemaProps: {0}")]
    Schema(#[from] serde_json::Error),
    /// The CRDs did not serialize as YAML.
    #[error("serializing the CRDs as YAML failed: {0}")]
    Yaml(String),
    /// The versions of a kind did not merge (a bug in this crate).
    #[error("merging the versions of a CRD failed: {0}")]
    Merge(#[from] MergeError),
}

/// The CRDs of `channel`, one per kind with every version upstream defines.
///
/// In the standard channel, alpha versions are listed but not served (as upstream does);
/// in the experimental channel every version is served.
pub fn crds(channel: Channel) -> Result<Vec<CustomResourceDefinition>, CrdError> {
    if channel == Channel::Experimental && !cfg!(feature = "experimental") {
        return Err(CrdError::ExperimentalFeatureDisabled);
    }
    let mut out = Vec::new();
    for kind in kinds() {
        if kind.experimental_only && channel == Channel::Standard {
            continue;
        }
        let parts = kind
            .versions
            .iter()
            .map(|f| f(channel))
            .collect::<Result<Vec<_>, _>>()?;
        if parts.is_empty() {
            continue;
        }
        let storage = parts
            .iter()
            .flat_map(|c| c.spec.versions.iter())
            .find(|v| v.storage)
            .map(|v| v.name.clone())
            .unwrap_or_default();
        // `merge_crds` puts the storage version first and reverses the others; upstream lists
        // them in the order of `KindEntry::versions`.
        let order: Vec<String> = parts
            .iter()
            .flat_map(|c| c.spec.versions.iter().map(|v| v.name.clone()))
            .collect();
        let mut crd = merge_crds(parts, &storage)?;
        crd.spec
            .versions
            .sort_by_key(|v| order.iter().position(|n| *n == v.name));
        crd.spec.names.list_kind = Some(format!("{}List", crd.spec.names.kind));
        for v in &mut crd.spec.versions {
            if channel == Channel::Standard && v.name.contains("alpha") {
                v.served = false;
            }
        }
        let annotations = crd
            .metadata
            .annotations
            .get_or_insert_with(Default::default);
        annotations.insert("api-approved.kubernetes.io".into(), API_APPROVED.into());
        annotations.insert(
            "gateway.networking.k8s.io/bundle-version".into(),
            BUNDLE_VERSION.into(),
        );
        annotations.insert(
            "gateway.networking.k8s.io/channel".into(),
            channel.as_str().into(),
        );
        out.push(crd);
    }
    Ok(out)
}

/// The CRDs of `channel` as multi-document YAML, ready for `kubectl apply -f -`.
pub fn crds_yaml(channel: Channel) -> Result<String, CrdError> {
    let mut out = String::new();
    for crd in crds(channel)? {
        let value = serde_json::to_value(&crd)?;
        out.push_str("---\n");
        out.push_str(&serde_saphyr::to_string(&value).map_err(|e| CrdError::Yaml(e.to_string()))?);
    }
    Ok(out)
}
