//! TCPRoute: forwards TCP connections arriving on a Gateway listener to backends.
//!
//! spec: `apis/v1/tcproute_types.go`. Namespaced; v1 is the storage version, v1alpha2
//! ([`crate::v1alpha2::TCPRoute`]) is deprecated.

l4_route_v1! {
    kind: "TCPRoute",
    doc: "A TCPRoute (`gateway.networking.k8s.io/v1`): metadata, [`TCPRouteSpec`] and status; see the module docs.",
    status: "TCPRouteStatus", forwards: "connections",
    TCPRoute, TCPRouteSpec, TCPRouteStatus, TCPRouteRule
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::upstream_example;

    #[test]
    fn upstream_examples_have_backend_port() {
        for (file, count) in [
            ("examples/standard/tcp-routing/tcp-route.yaml", 1),
            ("examples/experimental/basic-tcp.yaml", 2),
        ] {
            let docs = upstream_example(file, "gateway.networking.k8s.io/v1", "TCPRoute");
            assert_eq!(docs.len(), count, "{file}");
            for doc in docs {
                let route: TCPRoute = serde_json::from_value(doc.clone()).expect("parse");
                assert_eq!(
                    route.spec.rules[0].backend_refs[0].backend_ref.port,
                    Some(6000)
                );
                assert_eq!(serde_json::to_value(&route).expect("serialize"), doc);
            }
        }
    }
}
