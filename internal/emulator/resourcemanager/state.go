package resourcemanager

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/imageshare/ecs-image-share/internal/emulator/world"
)

// Directory is the state of one Resource Directory: folders and member
// accounts, apart from the wire. Tests change it while the function runs (an
// account joins or leaves a folder) and the next read sees the change. It is
// safe for concurrent use.
type Directory struct {
	mu         sync.Mutex
	management string
	admins     []string
	root       string
	folders    map[string]*folder // by id, the root included
	accounts   map[string]*member // by id
}

type folder struct {
	id, name, parent string // parent "" for the root
	created          time.Time
	children         []string // folder ids, in creation order
}

type member struct {
	id, folder, status, name string
	joined                   time.Time
}

// Account is a member account as listed.
type Account struct {
	ID, FolderID, Status, DisplayName string
	JoinTime                          time.Time
}

// FolderInfo is a folder as listed.
type FolderInfo struct {
	ID, Name   string
	CreateTime time.Time
}

// NewDirectory builds the directory a world describes; nil when the world has
// none. A member without a status is CreateSuccess, and the root folder
// without an id r-root01, as world.Parse would set them.
func NewDirectory(rd *world.ResourceDirectory, created time.Time) *Directory {
	if rd == nil {
		return nil
	}
	newMember := func(a world.DirectoryAccount, folder string) *member {
		status := a.Status
		if status == "" {
			status = "CreateSuccess"
		}
		return &member{id: a.ID, folder: folder, status: status, name: a.DisplayName, joined: created}
	}
	d := &Directory{
		management: rd.ManagementAccount,
		admins:     slices.Clone(rd.DelegatedAdministrators),
		root:       cmp.Or(rd.RootFolderID, "r-root01"),
		folders:    map[string]*folder{},
		accounts:   map[string]*member{},
	}
	d.folders[d.root] = &folder{id: d.root, name: "Root", created: created}
	d.accounts[d.management] = &member{id: d.management, folder: d.root, status: "CreateSuccess", name: "management", joined: created}
	for _, a := range rd.Accounts {
		d.accounts[a.ID] = newMember(a, d.root)
	}
	var walk func(parent string, fs []world.Folder)
	walk = func(parent string, fs []world.Folder) {
		for _, f := range fs {
			d.folders[f.ID] = &folder{id: f.ID, name: f.Name, parent: parent, created: created}
			d.folders[parent].children = append(d.folders[parent].children, f.ID)
			for _, a := range f.Accounts {
				d.accounts[a.ID] = newMember(a, f.ID)
			}
			walk(f.ID, f.Folders)
		}
	}
	walk(d.root, rd.Folders)
	return d
}

// RootFolderID is the root folder's id.
func (d *Directory) RootFolderID() string { return d.root }

// ManagementAccount is the account that owns the directory.
func (d *Directory) ManagementAccount() string { return d.management }

// MayRead reports whether account may read the directory: the management
// account or a delegated administrator.
func (d *Directory) MayRead(account string) bool {
	return account == d.management || slices.Contains(d.admins, account)
}

// IsMember reports whether account is a member of the directory.
func (d *Directory) IsMember(account string) bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	_, ok := d.accounts[account]
	return ok
}

// HasFolder reports whether id is a folder of the directory (the root included).
func (d *Directory) HasFolder(id string) bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	_, ok := d.folders[id]
	return ok
}

// Join adds account to folder (status CreateSuccess), or moves it there when
// it is already a member, at time at.
func (d *Directory) Join(account, folderID string, at time.Time) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	if _, ok := d.folders[folderID]; !ok {
		return fmt.Errorf("resourcemanager: no folder %s", folderID)
	}
	if m, ok := d.accounts[account]; ok {
		m.folder = folderID
		return nil
	}
	d.accounts[account] = &member{id: account, folder: folderID, status: "CreateSuccess", joined: at}
	return nil
}

// Leave removes account from the directory.
func (d *Directory) Leave(account string) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	if account == d.management {
		return fmt.Errorf("resourcemanager: the management account cannot leave its directory")
	}
	if _, ok := d.accounts[account]; !ok {
		return fmt.Errorf("resourcemanager: %s is not a member", account)
	}
	delete(d.accounts, account)
	return nil
}

// SetStatus changes a member's status (one of world.DirectoryAccountStatuses).
func (d *Directory) SetStatus(account, status string) error {
	if !slices.Contains(world.DirectoryAccountStatuses, status) {
		return fmt.Errorf("resourcemanager: status %q is not one of %v", status, world.DirectoryAccountStatuses)
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	m, ok := d.accounts[account]
	if !ok {
		return fmt.Errorf("resourcemanager: %s is not a member", account)
	}
	m.status = status
	return nil
}

// Accounts lists the members directly in folder, ordered by account id so
// that pages are stable.
func (d *Directory) Accounts(folderID string) []Account {
	d.mu.Lock()
	defer d.mu.Unlock()
	var out []Account
	for _, m := range d.accounts {
		if m.folder == folderID {
			out = append(out, Account{ID: m.id, FolderID: m.folder, Status: m.status, DisplayName: m.name, JoinTime: m.joined})
		}
	}
	slices.SortFunc(out, func(a, b Account) int { return strings.Compare(a.ID, b.ID) })
	return out
}

// Folders lists the folders directly in folder, in creation order.
func (d *Directory) Folders(folderID string) []FolderInfo {
	d.mu.Lock()
	defer d.mu.Unlock()
	parent := d.folders[folderID]
	if parent == nil {
		return nil
	}
	var out []FolderInfo
	for _, id := range parent.children {
		f := d.folders[id]
		out = append(out, FolderInfo{ID: f.id, Name: f.name, CreateTime: f.created})
	}
	return out
}
