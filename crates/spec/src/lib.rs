//! The cloudctl spec: the desired state of a personal cloud (providers, hosts, services and their
//! components, security and monitoring policy), loaded from YAML or JSON files with the location of
//! every value, validated all at once, and described by a JSON Schema. It does no IO beyond reading
//! the spec files it is given, and knows nothing of rendering, networks or storage.
