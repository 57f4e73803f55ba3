//go:build !js && relayload_nonats

package main

import (
	"errors"

	"github.com/chainplay/chainplay/relay"
)

// errNoCluster is joinCluster's error in a build without relay/natsbus.
var errNoCluster = errors.New("-cluster: this relayload was built with the tag relayload_nonats, without relay/natsbus")

// joinCluster fails: this build has no cluster mode (see cluster.go).
func joinCluster(*relay.Config, natsConfig) (func(), error) { return nil, errNoCluster }
