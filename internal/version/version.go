package version

// Version is the iamkit release this code is.
const Version = "0.1.0"

// UserAgent is the User-Agent header value every iamkit client sends.
const UserAgent = "iamkit/" + Version
