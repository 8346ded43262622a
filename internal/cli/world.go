package cli

import (
	"fmt"
	"io/fs"

	"github.com/imageshare/ecs-image-share/internal/emulator/world"
)

// demoWorldPath is the embedded default world, relative to the Files root.
const demoWorldPath = "testdata/world/demo.yaml"

// loadWorld reads the world from path, or the embedded demo world when path is empty.
func loadWorld(path string, env Env) (*world.World, error) {
	if path != "" {
		return world.Load(path)
	}
	data, err := fs.ReadFile(env.Files, demoWorldPath)
	if err != nil {
		return nil, fmt.Errorf("embedded demo world: %w", err)
	}
	return world.Parse(demoWorldPath, data)
}
