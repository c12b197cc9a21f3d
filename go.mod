module github.com/dockertls/terraform-provider-dockertls

go 1.26.8

require github.com/docker/go-connections v0.8.2
