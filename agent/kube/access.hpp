#pragma once
// api_access: where the Kubernetes API server is and how to prove who we are to it, read from a
// kubeconfig file or from a pod's service account (in-cluster).
#include <stdexcept>
#include <string>

namespace wharf::kube {

struct api_access {
    std::string server;      // https://host:port (an IPv6 host in brackets)
    std::string ca_file;     // the CA that signed the server's certificate: a file,
    std::string ca_pem;      // or the PEM text itself (one of the two)
    std::string token;       // bearer token
    std::string token_file;  // when set, re-read on a 401 (a rotated service-account token)
};

// A kubeconfig or service account that cannot be used; what() names the file and the missing key.
struct config_error : std::runtime_error {
    using std::runtime_error::runtime_error;
};

// The current context's cluster and user of a standard kubeconfig (YAML): the cluster's server and
// certificate-authority (a path, relative to the kubeconfig's directory) or certificate-authority-data
// (base64 PEM); the user's token and/or tokenFile (relative paths likewise). Client certificates
// and exec/auth-provider plugins are refused with a config_error saying so.
api_access load_kubeconfig(const std::string& path);
// The same for a kubeconfig's text; `path` names it in errors and anchors its relative paths.
api_access parse_kubeconfig(const std::string& text, const std::string& path);

// A pod's own access: KUBERNETES_SERVICE_HOST and KUBERNETES_SERVICE_PORT, and the service
// account's token and ca.crt under `root`. token_file is set, so a rotated token is picked up.
api_access in_cluster(const std::string& root = "/var/run/secrets/kubernetes.io/serviceaccount");

// A token file's content without surrounding white space; config_error when unreadable or empty.
std::string read_token_file(const std::string& path);

}  // namespace wharf::kube
