// Package yamlfield reads the YAML files of the clouds' CLIs (Nebius's
// config.yaml, yc's config.yaml, Yandex's api_key.yaml) node by node, with
// errors that name the file, the field and the line but never a value.
// Both provider packages, auth/nebiusauth and auth/yandexauth, use it.
package yamlfield
