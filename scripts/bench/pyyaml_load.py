"""The benchmark's peer: load every YAML file of a spec folder with PyYAML and merge the sections."""
import os
import sys

import yaml

merged = {}
for root, _, files in os.walk(sys.argv[1]):
    for name in sorted(files):
        with open(os.path.join(root, name)) as f:
            for key, value in (yaml.safe_load(f) or {}).items():
                merged.setdefault(key, {}).update(value) if isinstance(value, dict) else merged.__setitem__(key, value)
print(len(merged.get("services", {})))
