// Attack corpus for the built-in git module: every row is a command line an agent may send, the decision
// airlock must make, and the attack (or the everyday use) it stands for. builtins/git/SECURITY.md cites
// these test names; keep them stable.
import { allow, deny, describeCorpus, passEnv, type Row, setEnv, stripEnv } from "../../../helpers/corpus.ts";

const COMMAND = "git";

const upload = "deny.flags: '--upload-pack'";
const receive = "deny.flags: '--receive-pack'";
const exec = "deny.flags: '--exec'";
const globalC = "deny.patterns.c-alias";
const cloneOpts = "deny.patterns.clone-options";
const rebaseExec = "deny.patterns.rebase-exec";
const grepO = "deny.patterns.grep-open-files";
const transports = "deny.patterns.ext-fd-transports";
const configScope = "deny.patterns.config-other-scope";
const configKey = "deny.patterns.config-sensitive-key";
const gitDirAbsolute = "deny.patterns.git-dir-absolute";
const gitDirDotDot = "deny.patterns.git-dir-dotdot";
const fileOptionAbsolute = "deny.patterns.file-option-absolute";
const fileOptionDotDot = "deny.patterns.file-option-dotdot";
const outputDirAbsolute = "deny.patterns.output-dir-absolute";
const outputDirDotDot = "deny.patterns.output-dir-dotdot";
const messageFileAbsolute = "deny.patterns.message-file-absolute";
const messageFileDotDot = "deny.patterns.message-file-dotdot";
const diffNoIndex = "deny.patterns.diff-no-index";
const diffOutside = "deny.patterns.diff-outside";
const hashObjectOutside = "deny.patterns.hash-object-outside";
const hashObjectStdinPaths = "deny.patterns.hash-object-stdin-paths";
const repositoryOutside = "deny.patterns.repository-outside";
const archiveRemote = "deny.patterns.archive-remote";
const tool = "deny.patterns.tool";
const strategyPath = "deny.patterns.strategy-path";
const sub = (name: string) => `deny.subcommands: '${name}'`;

const legacySpellings: Row[] = [
  deny(
    ["git", "fetch", "--upload-pack=touch /tmp/p; git-upload-pack", "origin"],
    upload,
    "--upload-pack=VALUE, the program a fetch runs",
  ),
  deny(["git", "fetch", "--upload-pack", "x", "origin"], upload, "--upload-pack VALUE as two arguments"),
  deny(["git", "fetch", "--upload-pa=x", "origin"], upload, "an abbreviated --upload-pack"),
  deny(["git", "fetch", "--upload=x", "origin"], upload, "a shorter abbreviation of --upload-pack"),
  deny(["git", "fetch", "origin", "--upload-pack=x"], upload, "--upload-pack after the operands"),
  deny(["git", "pull", "origin", "main", "--upload-pack", "x"], upload, "--upload-pack on git pull"),
  deny(["git", "ls-remote", "--upload-pack=x", "origin"], upload, "--upload-pack on git ls-remote"),
  deny(
    ["git", "clone", "--upload-pack=x", "https://example.com/r.git"],
    upload,
    "--upload-pack on git clone",
  ),
  deny(["git", "fetch-pack", "--upload-pack=x", "host:r"], upload, "--upload-pack on git fetch-pack"),
  deny(
    ["git", "fetch", "--upload-pack", "--", "origin"],
    upload,
    "an --upload-pack whose value is a literal --",
  ),
  deny(["git", "clone", "-u", "x", "host:r"], cloneOpts, "clone -u, the short form of --upload-pack"),
  deny(["git", "clone", "-ux", "host:r"], cloneOpts, "clone -u glued to its value"),
  deny(["git", "clone", "-qu", "x", "host:r"], cloneOpts, "clone -u inside a cluster of short options"),
  deny(["git", "clone", "host:r", "dir", "-u", "x"], cloneOpts, "clone -u after the operands"),
  deny(
    ["git", "clone", "--config", "core.sshCommand=x", "host:r"],
    "deny.flags: '--config-env'",
    "clone --config, which sets config in the new repository",
  ),
  deny(
    ["git", "clone", "--config=core.fsmonitor=x", "host:r"],
    "deny.flags: '--config-env'",
    "clone --config=NAME=VALUE",
  ),
  deny(
    ["git", "clone", "--conf=core.sshCommand=x", "host:r"],
    "deny.flags: '--config-env'",
    "an abbreviated clone --config",
  ),
  deny(["git", "-c", "alias.st=!sh -c x", "st"], globalC, "an alias that runs a shell, defined with -c"),
  deny(
    ["git", "-c", "alias.x=credential", "x", "fill"],
    globalC,
    "a -c alias that renames a denied subcommand (git x fill would be git credential fill)",
  ),
  deny(["git", "-c", "ALIAS.st=!sh", "st"], globalC, "a global -c alias whose key is in upper case"),
  deny(["git", "-calias.st=!sh", "st"], globalC, "a global -c alias glued to its value"),
  deny(
    ["git", "--no-pager", "-c", "alias.l=!sh", "l"],
    globalC,
    "a global -c alias after another global option",
  ),
  deny(["git", "-C", "sub", "-c", "alias.x=!sh", "x"], globalC, "a global -c alias after -C DIR"),
  // The repository guard ([exec] guard) then allows only allowlisted keys: test/integration/git-guard.test.ts.
  allow(["git", "-c", "color.ui=always", "log"], "git -c color.ui=always log (a key that shapes output)"),
  allow(["git", "-c", "user.name=x", "commit", "-m", "m"], "git -c user.name=x commit (identity)"),
  allow(
    ["git", "-c", "core.sshCommand=touch /tmp/p", "fetch"],
    "-c core.sshCommand passes the module; the repository guard refuses every key off its allowlist",
  ),
  deny(
    ["git", "clone", "-c", "core.sshCommand=x", "host:r"],
    cloneOpts,
    "clone -c, which writes config into the new repository",
  ),
  deny(["git", "clone", "-ccore.sshCommand=x", "host:r"], cloneOpts, "clone -c glued to its value"),
  deny(["git", "clone", "-qc", "core.sshCommand=x", "host:r"], cloneOpts, "clone -c inside a cluster"),
  deny(["git", "clone", "host:r", "-c", "core.sshCommand=x"], cloneOpts, "clone -c after the operand"),
  deny(
    ["git", "init", "--separate-git-dir=/tmp/g"],
    cloneOpts,
    "init --separate-git-dir, which puts the repository where the agent says",
  ),
  deny(
    ["git", "--exec-path=/tmp/bin", "status"],
    "deny.flags: '--exec-path'",
    "--exec-path=DIR, where git looks for its own programs",
  ),
  deny(["git", "--exec-path", "status"], "deny.flags: '--exec-path'", "--exec-path without a value"),
  deny(
    ["git", "clone", "--template=./tpl", "host:r"],
    "deny.flags: '--template'",
    "clone --template, whose hooks and config are copied into the repository",
  ),
  deny(["git", "init", "--template", "./tpl"], "deny.flags: '--template'", "init --template DIR"),
  deny(["git", "init", "--templ=./tpl"], "deny.flags: '--template'", "an abbreviated --template"),
  deny(
    ["git", "--config-env=core.sshCommand=EVIL", "fetch"],
    "deny.flags: '--config-env'",
    "--config-env, config taken from an environment variable",
  ),
  deny(
    ["git", "--config-env", "core.sshCommand=EVIL", "fetch"],
    "deny.flags: '--config-env'",
    "--config-env NAME=ENVVAR as two arguments",
  ),
  deny(
    ["git", "push", "--receive-pack=x", "origin", "main"],
    receive,
    "--receive-pack=VALUE, the program a push runs",
  ),
  deny(
    ["git", "push", "origin", "main", "--receive-pack", "x"],
    receive,
    "--receive-pack VALUE after the operands",
  ),
  deny(["git", "push", "--rec=x", "origin"], receive, "an abbreviated --receive-pack"),
  deny(["git", "send-pack", "--receive-pack=x", "host:r"], receive, "--receive-pack on git send-pack"),
  deny(
    ["git", "credential", "fill"],
    sub("credential"),
    "git credential fill, which prints the host's password for a URL",
  ),
  deny(["git", "-C", "sub", "credential", "fill"], sub("credential"), "git credential after -C DIR"),
  deny(
    ["git", "--no-lazy-fetch", "credential", "fill"],
    sub("credential"),
    "git credential after a global option airlock does not know",
  ),
  deny(
    ["git", "CREDENTIAL", "fill"],
    sub("credential"),
    "git credential in upper case (found as git-credential on a case-insensitive file system)",
  ),
  deny(
    ["git", "daemon", "--export-all", "--base-path=/"],
    sub("daemon"),
    "git daemon, a server exporting host repositories",
  ),
  deny(["git", "shell", "-c", "git-upload-pack x"], sub("shell"), "git shell -c"),
  deny(["git", "upload-pack", "."], sub("upload-pack"), "git upload-pack, the server side of a fetch"),
  deny(["git", "receive-pack", "."], sub("receive-pack"), "git receive-pack, the server side of a push"),
  deny(
    ["git", "upload-archive", "."],
    sub("upload-archive"),
    "git upload-archive, the server side of archive --remote",
  ),
];

const bypassesOf04: Row[] = [
  deny(
    ["git", "push", "--exec=x", "origin"],
    exec,
    "push --exec, an alias of --receive-pack that 0.4 did not list",
  ),
  deny(["git", "send-pack", "--exec=x", "host:r"], exec, "send-pack --exec"),
  deny(["git", "fetch-pack", "--exec=x", "host:r"], exec, "fetch-pack --exec"),
  deny(["git", "ls-remote", "--exec=x", "origin"], exec, "ls-remote --exec"),
  deny(["git", "archive", "--remote=origin", "--exec=x", "HEAD"], exec, "archive --remote --exec"),
  deny(
    ["git", "submodule", "--quiet", "foreach", "sh"],
    sub("submodule foreach"),
    "a subcommand word right after an option of unknown arity",
  ),
  deny(
    ["git", "clone", "--end-of-options", "ext::sh -c x", "dir"],
    transports,
    "an ext:: URL after --end-of-options",
  ),
  deny(["git", "fetch", "EXT::sh -c x"], transports, "an ext:: URL in upper case"),
  deny(
    ["git", "-C", "--", "-c", "alias.x=!sh", "x"],
    globalC,
    "a global -c after -C whose directory is a literal -- (git takes -- as the directory)",
  ),
  deny(
    ["git", "fetch", "--server-option", "--", "--upload-pack=x", "origin"],
    upload,
    "--upload-pack after an option whose value is a literal -- (parse-options takes -- as the value)",
  ),
];

const programsOnTheCommandLine: Row[] = [
  deny(["git", "rebase", "-x", "make", "main"], rebaseExec, "rebase -x CMD, a shell command per commit"),
  deny(["git", "rebase", "-xmake", "main"], rebaseExec, "rebase -x glued to its command"),
  deny(["git", "rebase", "-ix", "make", "main"], rebaseExec, "rebase -x inside a cluster"),
  deny(["git", "rebase", "--exec=make", "main"], exec, "rebase --exec=CMD"),
  deny(["git", "rebase", "main", "--exe", "make"], exec, "an abbreviated rebase --exec after the operand"),
  deny(["git", "grep", "-O", "foo"], grepO, "grep -O, which opens matches in a program"),
  deny(["git", "grep", "-Ovim", "foo"], grepO, "grep -O glued to its program"),
  deny(["git", "grep", "-iO", "foo"], grepO, "grep -O inside a cluster"),
  deny(
    ["git", "grep", "--open-files-in-pager=vim", "foo"],
    "deny.flags: '--open-files-in-pager'",
    "grep --open-files-in-pager",
  ),
  deny(
    ["git", "grep", "--open-f", "foo"],
    "deny.flags: '--open-files-in-pager'",
    "an abbreviated --open-files-in-pager",
  ),
  deny(
    ["git", "diff", "--extcmd=sh", "HEAD"],
    "deny.flags: '--extcmd'",
    "--extcmd, difftool's program option",
  ),
  deny(["git", "diff", "--tool=x", "HEAD"], tool, "--tool, which picks a diff or merge program"),
  deny(["git", "d", "--too", "x"], tool, "an abbreviated --tool after an alias of difftool"),
  deny(
    ["git", "clone", "ext::sh -c touch% /tmp/p", "dir"],
    transports,
    "a clone over the ext:: transport, which runs a command",
  ),
  deny(["git", "clone", "fd::17", "dir"], transports, "a clone over the fd:: transport"),
  deny(["git", "remote", "add", "x", "ext::sh -c x"], transports, "a remote whose URL is ext::"),
  deny(
    ["git", "submodule", "foreach", "sh", "-c", "x"],
    sub("submodule foreach"),
    "submodule foreach, a shell command per submodule",
  ),
  deny(["git", "bisect", "run", "sh", "-c", "x"], sub("bisect run"), "bisect run, a shell command per step"),
  deny(
    ["git", "filter-branch", "--tree-filter", "sh x"],
    sub("filter-branch"),
    "filter-branch, shell filters",
  ),
  deny(["git", "difftool", "-x", "sh"], sub("difftool"), "difftool, which runs a diff program"),
  deny(["git", "mergetool", "--tool=x"], sub("mergetool"), "mergetool, which runs a merge program"),
  deny(["git", "instaweb"], sub("instaweb"), "instaweb, a web server plus a browser"),
  deny(["git", "web--browse", "http://x"], sub("web--browse"), "web--browse, which starts a browser"),
  deny(["git", "send-email", "x.patch"], sub("send-email"), "send-email, mail sent with host credentials"),
  deny(["git", "imap-send"], sub("imap-send"), "imap-send, IMAP with host credentials"),
  deny(["git", "http-backend"], sub("http-backend"), "http-backend, a CGI server"),
  deny(
    ["git", "remote-ext", "x", "sh -c x"],
    sub("remote-ext"),
    "remote-ext, the ext:: helper called directly",
  ),
  deny(["git", "remote-fd", "3"], sub("remote-fd"), "remote-fd, the fd:: helper called directly"),
  deny(["git", "upload-archive--writer", "."], sub("upload-archive--writer"), "upload-archive--writer"),
  deny(["git", "cvsserver"], sub("cvsserver"), "cvsserver"),
  deny(["git", "cvsimport", "-d", "x"], sub("cvsimport"), "cvsimport, which runs cvs"),
  deny(["git", "archimport", "x"], sub("archimport"), "archimport, which runs tla"),
  deny(["git", "svn", "clone", "x"], sub("svn"), "git svn"),
  deny(["git", "p4", "clone", "x"], sub("p4"), "git p4"),
  deny(
    ["git", "maintenance", "start"],
    sub("maintenance start"),
    "maintenance start, scheduled runs outside airlock",
  ),
  deny(
    ["git", "maintenance", "register"],
    sub("maintenance register"),
    "maintenance register, which adds the repository to the host's global config",
  ),
  deny(
    ["git", "maintenance", "start", "--scheduler=crontab"],
    sub("maintenance start"),
    "maintenance start with a scheduler",
  ),
  deny(
    ["git", "for-each-repo", "--config=maintenance.repo", "status"],
    sub("for-each-repo"),
    "for-each-repo, a git command in every repository a config key lists",
  ),
  deny(
    ["git", "archive", "--remote=/home/u/other-repo", "HEAD"],
    archiveRemote,
    "archive --remote of another repository on the host",
  ),
  deny(
    ["git", "archive", "--remote", "git@github.com:o/r.git", "HEAD"],
    archiveRemote,
    "archive --remote, which runs upload-archive",
  ),
];

const strategies: Row[] = [
  deny(
    ["git", "cherry-pick", "--strategy=../x", "side"],
    strategyPath,
    "cherry-pick --strategy=../x runs ./git-merge-../x",
  ),
  deny(["git", "rebase", "-s", "../x", "side"], strategyPath, "rebase -s ../x"),
  deny(["git", "merge", "-s../x", "side"], strategyPath, "a strategy glued to -s"),
  deny(["git", "pull", "--strat=a/b", "origin"], strategyPath, "an abbreviated --strategy on pull"),
  deny(
    ["git", "revert", "--strategy", "/tmp/x", "HEAD"],
    strategyPath,
    "revert --strategy with an absolute path",
  ),
  allow(["git", "merge", "-s", "ours", "side"], "merge -s ours, one of git's own strategies"),
  allow(["git", "rebase", "--strategy=ort", "main"], "rebase --strategy=ort"),
  allow(["git", "commit", "-s", "-m", "x/y"], "commit -s (sign-off) is not a strategy"),
];

const credentials: Row[] = [
  deny(
    ["git", "credential", "approve"],
    sub("credential"),
    "git credential approve, which writes to the host's credential store",
  ),
  deny(
    ["git", "credential-store", "get"],
    sub("credential-store"),
    "credential-store get, the plain-text store",
  ),
  deny(["git", "credential-cache", "get"], sub("credential-cache"), "credential-cache get"),
  deny(
    ["git", "credential-cache--daemon", "/tmp/s"],
    sub("credential-cache--daemon"),
    "the credential cache daemon",
  ),
  deny(["git", "credential-osxkeychain", "get"], sub("credential-osxkeychain"), "the macOS keychain helper"),
  deny(["git", "credential-libsecret", "get"], sub("credential-libsecret"), "the libsecret helper"),
  deny(["git", "credential-manager", "get"], sub("credential-manager"), "Git Credential Manager"),
  deny(["git", "config", "-l"], configScope, "config -l, which lists host-wide config with any tokens in it"),
  deny(["git", "var", "-l"], "deny.patterns.var-list", "var -l, which lists host-wide config like config -l"),
  deny(
    ["git", "diff", "--submodule=diff"],
    "deny.patterns.submodule-diff",
    "diff --submodule=diff, which runs git inside each submodule",
  ),
  deny(["git", "config", "--get-regexp", "."], configScope, "config --get-regexp over every key"),
  deny(["git", "config", "--global", "--list"], configScope, "config --global --list"),
  deny(
    ["git", "config", "http.https://github.com/.extraheader"],
    configKey,
    "reading an http extraheader (a bearer token)",
  ),
  deny(["git", "config", "credential.helper"], configKey, "reading credential.helper"),
  deny(["git", "config", "list"], sub("config list"), "config list (the newer syntax of config -l)"),
  deny(["git", "config", "list", "--global"], sub("config list"), "config list --global"),
  deny(["git", "config", "edit"], sub("config edit"), "config edit, which starts an editor"),
  deny(
    ["git", "config", "get", "--regexp", "."],
    configScope,
    "config get --regexp over every key (the newer syntax)",
  ),
  deny(
    ["git", "config", "get", "--url=https://github.com", "http"],
    configScope,
    "config get --url (the newer --get-urlmatch)",
  ),
];

const gitConfig: Row[] = [
  deny(["git", "config", "core.sshCommand", "touch /tmp/p"], configKey, "config core.sshCommand"),
  deny(
    ["git", "config", "CORE.SSHCOMMAND", "x"],
    configKey,
    "a config key in upper case (keys are case-insensitive)",
  ),
  deny(["git", "config", "--local", "core.fsmonitor", "x"], configKey, "config --local core.fsmonitor"),
  deny(["git", "config", "set", "alias.st", "!sh"], configKey, "config set alias.* (the newer syntax)"),
  deny(
    ["git", "config", "credential.helper", "!cat >/tmp/c"],
    configKey,
    "a credential helper that copies every credential",
  ),
  deny(["git", "config", "include.path", "/home/u/.gitconfig"], configKey, "config include.path"),
  deny(["git", "config", "filter.x.clean", "sh"], configKey, "a clean filter"),
  deny(["git", "config", "url.ext::sh.insteadOf", "https://"], configKey, "a url rewrite to ext::"),
  deny(
    ["git", "config", "url.https://evil/.insteadOf", "https://github.com/"],
    configKey,
    "a url rewrite that sends pushes elsewhere",
  ),
  deny(
    ["git", "config", "--global", "user.name", "x"],
    configScope,
    "config --global, the host user's config",
  ),
  deny(["git", "config", "--system", "core.pager", "x"], configScope, "config --system"),
  deny(["git", "config", "--file=/home/u/.gitconfig", "a.b", "c"], configScope, "config --file=PATH"),
  deny(
    ["git", "config", "--fil=/home/u/.gitconfig", "a.b", "c"],
    configScope,
    "an abbreviated config --file",
  ),
  deny(["git", "config", "-f", "/home/u/.gitconfig", "a.b", "c"], configScope, "config -f PATH"),
  deny(["git", "config", "--edit"], configScope, "config --edit, which starts an editor"),
  deny(
    ["git", "config", "remote.origin.uploadpack", "touch /tmp/p; git-upload-pack"],
    configKey,
    "config remote.*.uploadpack, run through the shell for a local-path remote",
  ),
  deny(
    ["git", "config", "remote.origin.receivePack", "x"],
    configKey,
    "config remote.*.receivepack, in mixed case",
  ),
  deny(
    ["git", "config", "remote.origin.pushurl", "/home/u/other-repo"],
    configKey,
    "config remote.*.pushurl, pushes sent somewhere else",
  ),
  deny(
    ["git", "config", "remote.origin.vcs", "evil"],
    configKey,
    "config remote.*.vcs, which picks the remote helper program",
  ),
  deny(
    ["git", "config", "submodule.lib.update", "!sh -c x"],
    configKey,
    "config submodule.*.update = !cmd, run by submodule update",
  ),
  deny(
    ["git", "config", "interactive.diffFilter", "sh -c x"],
    configKey,
    "config interactive.diffFilter, run by add -p",
  ),
  deny(["git", "config", "man.viewer", "evil"], configKey, "config man.viewer, run by git help"),
  deny(["git", "config", "man.evil.cmd", "sh -c x"], configKey, "config man.*.cmd"),
  deny(["git", "config", "web.browser", "evil"], configKey, "config web.browser, run by git help -w"),
  deny(["git", "config", "browser.evil.cmd", "sh -c x"], configKey, "config browser.*.cmd"),
  deny(
    ["git", "config", "help.format", "web"],
    configKey,
    "config help.format, which makes git help start a browser",
  ),
  deny(
    ["git", "config", "--get", "sendemail.smtpPass"],
    configKey,
    "reading sendemail.smtpPass, an SMTP password",
  ),
  deny(["git", "config", "sendemail.sendmailCmd", "sh -c x"], configKey, "config sendemail.sendmailCmd"),
  deny(
    ["git", "config", "imap.tunnel", "sh -c x"],
    configKey,
    "config imap.tunnel, a command imap-send runs",
  ),
  deny(["git", "config", "difftool.x.cmd", "sh -c x"], configKey, "config difftool.*.cmd"),
  deny(["git", "config", "mergetool.x.cmd", "sh -c x"], configKey, "config mergetool.*.cmd"),
  deny(["git", "config", "hook.x.command", "sh -c x"], configKey, "config hook.*, hooks defined in config"),
];

const hostPaths: Row[] = [
  deny(
    ["git", "-C", "/home/u/other-repo", "status"],
    gitDirAbsolute,
    "-C into another repository on the host",
  ),
  deny(["git", "-C", "~", "status"], gitDirAbsolute, "-C into the home directory"),
  deny(["git", "-C", "..", "log"], gitDirDotDot, "-C .. out of the workspace"),
  deny(["git", "-C", "sub/../../x", "status"], gitDirDotDot, "-C with .. in the middle"),
  deny(
    ["git", "--git-dir=/home/u/other-repo/.git", "log"],
    gitDirAbsolute,
    "--git-dir=PATH, another repository's objects and config",
  ),
  deny(["git", "--git-dir", "../other/.git", "log"], gitDirDotDot, "--git-dir PATH with .. as two arguments"),
  deny(
    ["git", "--work-tree=/home/u", "status"],
    gitDirAbsolute,
    "--work-tree=PATH, host files read and written as the working tree",
  ),
  deny(
    ["git", "--work-tree", "../..", "checkout", "."],
    gitDirDotDot,
    "--work-tree with .., a checkout over files outside the workspace",
  ),
  deny(
    ["git", "log", "--output=/home/u/.bashrc"],
    fileOptionAbsolute,
    "log --output=PATH, a host file written with agent-chosen content",
  ),
  deny(
    ["git", "diff", "--output", "/tmp/x", "HEAD"],
    fileOptionAbsolute,
    "diff --output PATH as two arguments",
  ),
  deny(["git", "show", "--outp=/tmp/x"], fileOptionAbsolute, "an abbreviated --output"),
  deny(["git", "log", "--output", "../x"], fileOptionDotDot, "log --output with .."),
  deny(
    ["git", "format-patch", "--output-directory", "/home/u/.config/autostart", "-1"],
    fileOptionAbsolute,
    "format-patch --output-directory outside the workspace",
  ),
  deny(
    ["git", "archive", "--output=~/a.tar", "HEAD"],
    fileOptionAbsolute,
    "archive --output into the home directory",
  ),
  deny(
    ["git", "archive", "--add-file=/home/u/.aws/credentials", "HEAD"],
    fileOptionAbsolute,
    "archive --add-file, a host file put into the archive",
  ),
  deny(
    ["git", "commit", "--pathspec-from-file=/home/u/.aws/credentials"],
    fileOptionAbsolute,
    "--pathspec-from-file, whose lines come back in error messages",
  ),
  deny(
    ["git", "add", "--pathspec-from-file", "../../etc/passwd"],
    fileOptionDotDot,
    "--pathspec-from-file with ..",
  ),
  deny(
    ["git", "blame", "--contents", "/home/u/.aws/credentials", "README.md"],
    fileOptionAbsolute,
    "blame --contents, which prints a host file line by line",
  ),
  deny(
    ["git", "blame", "--ignore-revs-file=/etc/shadow", "README.md"],
    fileOptionAbsolute,
    "blame --ignore-revs-file of a host file",
  ),
  deny(
    ["git", "format-patch", "-o", "/home/u/.config/autostart", "-1"],
    outputDirAbsolute,
    "format-patch -o DIR outside the workspace",
  ),
  deny(
    ["git", "format-patch", "-o/tmp/p", "-1"],
    outputDirAbsolute,
    "format-patch -o glued to its directory",
  ),
  deny(
    ["git", "format-patch", "-1", "-o", "../p"],
    outputDirDotDot,
    "format-patch -o with .. after the range",
  ),
  deny(["git", "archive", "-o", "/tmp/a.tar", "HEAD"], outputDirAbsolute, "archive -o PATH"),
  deny(
    ["git", "commit", "-F", "/home/u/.aws/credentials"],
    messageFileAbsolute,
    "commit -F of a host file, which becomes the commit message",
  ),
  deny(["git", "commit", "--file=~/.ssh/id_ed25519"], messageFileAbsolute, "commit --file=~/…"),
  deny(["git", "commit", "--fil", "/etc/shadow"], messageFileAbsolute, "an abbreviated commit --file"),
  deny(["git", "commit", "-aF", "../../secret"], messageFileDotDot, "commit -F inside a cluster, with .."),
  deny(["git", "tag", "-a", "v1", "-F", "/etc/shadow"], messageFileAbsolute, "tag -F of a host file"),
  deny(["git", "merge", "-F", "/etc/shadow", "feature"], messageFileAbsolute, "merge -F of a host file"),
  deny(["git", "notes", "add", "-F", "/etc/shadow"], messageFileAbsolute, "notes add -F of a host file"),
  deny(
    ["git", "diff", "--no-index", "/home/u/.aws/credentials", "/dev/null"],
    diffNoIndex,
    "diff --no-index, which prints any host file",
  ),
  deny(
    ["git", "diff", "--no-index", "a.txt", "b.txt"],
    diffNoIndex,
    "diff --no-index of two workspace files",
  ),
  deny(
    ["git", "diff", "/home/u/.aws/credentials", "/dev/null"],
    diffOutside,
    "diff of a host path, which git treats as --no-index",
  ),
  deny(
    ["git", "diff", "--", "../../secret", "README.md"],
    diffOutside,
    "diff of a path that climbs out with ..",
  ),
  deny(["git", "diff", "~/x", "y"], diffOutside, "diff of a path starting with ~"),
  deny(
    ["git", "hash-object", "-w", "/home/u/.ssh/id_ed25519"],
    hashObjectOutside,
    "hash-object -w of a host file, then readable with cat-file",
  ),
  deny(
    ["git", "hash-object", "-w", "--", "../../secret"],
    hashObjectOutside,
    "hash-object -w of a path with ..",
  ),
  deny(
    ["git", "hash-object", "-w", "--stdin-paths"],
    hashObjectStdinPaths,
    "hash-object --stdin-paths, paths that only stdin names",
  ),
  deny(["git", "hash-object", "--stdin-p"], hashObjectStdinPaths, "an abbreviated --stdin-paths"),
  deny(
    ["git", "clone", "/home/u/secret-repo"],
    repositoryOutside,
    "a clone of another repository on the host",
  ),
  deny(["git", "clone", "file:///home/u/secret-repo", "x"], repositoryOutside, "a clone of a file:// URL"),
  deny(["git", "clone", "~/secret-repo"], repositoryOutside, "a clone from the home directory"),
  deny(
    ["git", "clone", "https://github.com/o/r.git", "/home/u/.config/autostart"],
    repositoryOutside,
    "a clone into a host directory outside the workspace",
  ),
  deny(
    ["git", "clone", "https://github.com/o/r.git", "../sibling"],
    repositoryOutside,
    "a clone into a directory next to the workspace",
  ),
  deny(
    ["git", "clone", "--reference", "/home/u/secret-repo", "https://github.com/o/r.git"],
    cloneOpts,
    "clone --reference, objects borrowed from another repository on the host",
  ),
  deny(
    ["git", "submodule", "add", "/home/u/secret-repo", "lib"],
    repositoryOutside,
    "submodule add of a host repository",
  ),
  deny(
    ["git", "submodule", "add", "../lib.git", "lib"],
    repositoryOutside,
    "submodule add of a relative URL with ..",
  ),
  deny(["git", "fetch", "/home/u/secret-repo"], repositoryOutside, "fetch from a host repository"),
  deny(["git", "pull", "../other", "main"], repositoryOutside, "pull from a path outside the workspace"),
  deny(["git", "push", "/home/u/other-repo", "main"], repositoryOutside, "push into a host repository"),
  deny(["git", "ls-remote", "file:///home/u/r"], repositoryOutside, "ls-remote of a file:// URL"),
  deny(
    ["git", "remote", "add", "x", "/home/u/secret-repo"],
    repositoryOutside,
    "remote add of a host repository",
  ),
  deny(
    ["git", "remote", "set-url", "origin", "../other"],
    repositoryOutside,
    "remote set-url to a path with ..",
  ),
  deny(["git", "init", "/home/u/.config/x"], repositoryOutside, "init of a host directory"),
  deny(
    ["git", "worktree", "add", "/home/u/.config/autostart", "main"],
    repositoryOutside,
    "worktree add of a host directory, a checkout of agent-written files there",
  ),
  deny(["git", "worktree", "add", "../wt", "main"], repositoryOutside, "worktree add next to the workspace"),
  deny(["git", "worktree", "move", "wt", "/tmp/wt"], repositoryOutside, "worktree move to a host path"),
];

// git 2.39 ran CMD on the host for each denied row below (a bare repository as origin, a marker file as
// CMD): pull and remote update hand their operands to fetch with no `--` in between, so what follows their
// own `--` or `--end-of-options` is read by fetch as options ([parse] forwards).
const CMD = "touch /tmp/p; git-upload-pack";
const forwarded: Row[] = [
  deny(
    ["git", "pull", "--", `--upload-pack=${CMD}`, "origin", "main"],
    upload,
    "pull -- --upload-pack, run by fetch",
  ),
  deny(
    ["git", "pull", "--end-of-options", `--upload-pack=${CMD}`, "origin", "main"],
    upload,
    "pull --end-of-options --upload-pack, run by fetch",
  ),
  deny(
    ["git", "pull", "origin", "--", `--upload-pack=${CMD}`],
    upload,
    "pull REMOTE -- --upload-pack, run by fetch",
  ),
  deny(
    ["git", "pull", "origin", "main", "--", `--upload-pack=${CMD}`],
    upload,
    "pull REMOTE REF -- --upload-pack, run by fetch",
  ),
  deny(
    ["git", "pull", "origin", "--end-of-options", `--upload-pack=${CMD}`],
    upload,
    "pull REMOTE --end-of-options --upload-pack, run by fetch",
  ),
  deny(
    ["git", "pull", "--", `--upload-pa=${CMD}`, "origin", "main"],
    upload,
    "an abbreviated --upload-pack after pull's --",
  ),
  deny(
    ["git", "pull", "--", "--upload-pack", CMD, "origin", "main"],
    upload,
    "--upload-pack VALUE as two arguments after pull's --",
  ),
  deny(
    ["git", "pull", "origin", "--", "--upload-pack", CMD],
    upload,
    "--upload-pack VALUE as two arguments after pull REMOTE --",
  ),
  deny(
    ["git", "pull", "--rebase", "--", `--upload-pack=${CMD}`, "origin"],
    upload,
    "pull --rebase -- --upload-pack, run by fetch",
  ),
  deny(
    ["git", "remote", "update", "--", `--upload-pack=${CMD}`],
    upload,
    "remote update -- --upload-pack, run by fetch",
  ),
  deny(
    ["git", "remote", "update", "--", "--upload-pack", CMD],
    upload,
    "remote update -- --upload-pack VALUE as two arguments",
  ),
  deny(
    ["git", "remote", "update", "-p", "--", `--upload-pack=${CMD}`],
    upload,
    "remote update -p -- --upload-pack, run by fetch",
  ),
  deny(
    ["git", "remote", "update", "--end-of-options", `--upload-pack=${CMD}`],
    upload,
    "remote update --end-of-options --upload-pack",
  ),
  deny(
    ["git", "pull", "--", "--", `--upload-pack=${CMD}`, "origin"],
    upload,
    "pull -- -- --upload-pack (git itself refuses it; every marker is dropped, so doubt denies)",
  ),
  deny(["git", "pull", "--", "ext::sh -c x"], transports, "an ext:: URL after pull's --"),
  deny(["git", "pull", "--", "/home/u/other-repo"], repositoryOutside, "a host repository after pull's --"),
  allow(["git", "pull", "--", "origin", "main"], "pull -- REMOTE REF"),
  allow(["git", "pull", "--rebase", "origin", "--", "main"], "pull --rebase REMOTE -- REF"),
  allow(["git", "remote", "update"], "remote update of every remote"),
  allow(["git", "remote", "update", "-p", "--", "origin"], "remote update -p -- REMOTE"),
];

const longOptionNames: Row[] = [
  allow(["git", "config", "--get", "user.email"], "config --get, which is not --get-regexp"),
  allow(["git", "format-patch", "--to=team@example.com", "-1"], "format-patch --to, which is not --tool"),
  allow(["git", "hash-object", "--stdin"], "hash-object --stdin, which is not --stdin-paths"),
  deny(["git", "config", "--get-r", "."], configScope, "an abbreviated --get-regexp"),
  deny(
    ["git", "config", "--get-url", "https://x"],
    configScope,
    "--get-url in git config, an abbreviation of --get-urlmatch",
  ),
  deny(["git", "difftool", "--too=x"], sub("difftool"), "an abbreviated --tool"),
];

const falsePositivesOf04: Row[] = [
  allow(["git", "push", "-u", "origin", "x"], "push -u (set upstream), which 0.4 denied"),
  allow(["git", "push", "--set-upstream", "origin", "x"], "push --set-upstream"),
  allow(["git", "add", "-u"], "add -u (update tracked files)"),
  allow(["git", "switch", "-c", "b"], "switch -c (create a branch)"),
  allow(["git", "commit", "-c", "HEAD"], "commit -c (reuse a message), a subcommand -c"),
  allow(["git", "commit", "-m", "-c x"], "a commit message that starts with -c"),
  allow(["git", "commit", "-m", "fix -u handling"], "a commit message that mentions -u"),
  allow(["git", "add", "shell"], "a pathspec named shell"),
  allow(["git", "add", "credential", "daemon"], "pathspecs named credential and daemon"),
  allow(["git", "add", "--", "shell"], "a pathspec named shell after --"),
  allow(["git", "rm", "upload-pack"], "a file named upload-pack"),
  allow(["git", "log", "--grep", "daemon"], "a log search for the word daemon"),
  allow(["git", "grep", "-n", "shell"], "a grep for the word shell"),
  allow(["git", "show", "HEAD:shell"], "showing a file named shell"),
  allow(["git", "branch", "-u", "origin/main"], "branch -u (set upstream)"),
  allow(["git", "log", "-u"], "log -u (show patches)"),
];

const everyday: Row[] = [
  allow(["git", "status"], "git status"),
  allow(["git", "log", "--oneline", "-n", "20"], "a short log"),
  allow(["git", "log", "-p", "-C", "HEAD~3.."], "log -p with copy detection"),
  allow(["git", "diff"], "git diff"),
  allow(["git", "diff", "--cached"], "diff --cached"),
  allow(["git", "diff", "HEAD~1", "--", "src/"], "a diff limited to a path"),
  allow(["git", "show", "HEAD"], "git show"),
  allow(["git", "blame", "README.md"], "git blame"),
  allow(["git", "commit", "-m", "fix: thing"], "commit -m"),
  allow(["git", "commit", "-am", "fix"], "commit -am"),
  allow(["git", "commit", "--amend", "--no-edit"], "commit --amend"),
  allow(["git", "push", "origin", "feature"], "a push of a feature branch"),
  allow(["git", "push", "--force-with-lease", "origin", "feature"], "push --force-with-lease"),
  allow(["git", "push", "--tags"], "push --tags"),
  allow(["git", "fetch"], "git fetch"),
  allow(["git", "fetch", "origin", "main"], "fetch of one branch"),
  allow(["git", "fetch", "--all", "--prune"], "fetch --all --prune"),
  allow(["git", "pull", "--rebase", "origin", "main"], "pull --rebase"),
  allow(["git", "clone", "https://github.com/org/repo.git"], "a clone over https"),
  allow(
    ["git", "clone", "--depth", "1", "https://github.com/org/repo.git", "dir"],
    "a shallow clone into a directory",
  ),
  allow(["git", "clone", "git@github.com:org/repo.git"], "a clone over ssh"),
  allow(["git", "-C", "sub", "status"], "-C DIR status"),
  allow(["git", "--no-pager", "log"], "--no-pager log"),
  allow(["git", "-P", "log"], "-P log"),
  allow(["git", "checkout", "-b", "feature/x"], "checkout -b"),
  allow(["git", "switch", "main"], "switch"),
  allow(["git", "merge", "--no-ff", "feature"], "merge --no-ff"),
  allow(["git", "rebase", "-i", "main"], "rebase -i"),
  allow(["git", "rebase", "--onto", "main", "a", "b"], "rebase --onto"),
  allow(["git", "cherry-pick", "-x", "abc123"], "cherry-pick -x (its -x only records the origin)"),
  allow(["git", "reset", "--hard", "HEAD~1"], "reset --hard"),
  allow(["git", "stash", "push", "-m", "wip"], "stash push -m"),
  allow(["git", "tag", "-a", "v1", "-m", "v1"], "an annotated tag"),
  allow(["git", "remote", "-v"], "remote -v"),
  allow(["git", "remote", "add", "upstream", "https://github.com/o/r"], "remote add over https"),
  allow(["git", "submodule", "update", "--init", "--recursive"], "submodule update --init"),
  allow(["git", "bisect", "start"], "bisect start"),
  allow(["git", "format-patch", "-1"], "format-patch"),
  allow(["git", "config", "user.name", "Bot"], "setting user.name in the repository"),
  allow(["git", "config", "--local", "user.email", "bot@example.com"], "config --local user.email"),
  allow(["git", "--version"], "git --version"),
  allow(["git", "diff", "HEAD~1..HEAD"], "a diff of a revision range (.. between revisions)"),
  allow(["git", "diff", "origin/main...HEAD", "--", "src/"], "a three-dot diff limited to a path"),
  allow(["git", "log", "--output=log.txt"], "log --output into the workspace"),
  allow(["git", "format-patch", "-o", "patches", "-3"], "format-patch -o into the workspace"),
  allow(["git", "archive", "-o", "out/app.tar", "HEAD"], "archive -o into the workspace"),
  allow(["git", "commit", "-F", "msg.txt"], "commit -F with a message file in the workspace"),
  allow(["git", "-C", "sub", "log", "--oneline"], "-C into a subdirectory"),
  allow(
    ["git", "clone", "https://github.com/org/repo.git", "vendor/repo"],
    "a clone into a workspace directory",
  ),
  allow(["git", "submodule", "add", "https://github.com/org/lib.git", "lib"], "submodule add over https"),
  allow(["git", "worktree", "add", "wt/feature", "feature"], "worktree add inside the workspace"),
  allow(["git", "maintenance", "run", "--task=gc"], "maintenance run (in this run, with this environment)"),
  allow(["git", "hash-object", "-w", "README.md"], "hash-object -w of a workspace file"),
];

const envRows = [
  passEnv("SSH_AUTH_SOCK", "pushes over ssh use the host's agent"),
  passEnv("GIT_AUTHOR_NAME", "commits carry the host's identity"),
  passEnv("GIT_AUTHOR_EMAIL", "commits carry the host's identity"),
  passEnv("GIT_COMMITTER_NAME", "commits carry the host's identity"),
  passEnv("GIT_COMMITTER_EMAIL", "commits carry the host's identity"),
  stripEnv("GIT_SSH", "a program run for every ssh transport"),
  stripEnv("GIT_EXTERNAL_DIFF", "a program run by git diff"),
  stripEnv("GIT_CONFIG", "a config file chosen by the daemon's caller"),
  stripEnv("GIT_CONFIG_GLOBAL", "a replacement global config"),
  stripEnv("GIT_CONFIG_SYSTEM", "a replacement system config"),
  stripEnv("GIT_CONFIG_PARAMETERS", "config passed the way -c passes it"),
  stripEnv("GIT_CONFIG_COUNT", "config passed through the environment"),
  stripEnv("GIT_CONFIG_KEY_7", "config keys passed through the environment (GIT_CONFIG_KEY_*)"),
  stripEnv("GIT_CONFIG_VALUE_7", "config values passed through the environment (GIT_CONFIG_VALUE_*)"),
  stripEnv("GIT_ATTR_SOURCE", "attributes (filters, diff drivers) from another tree"),
  stripEnv("GIT_EXEC_PATH", "where git finds its own programs"),
  stripEnv("GIT_TEMPLATE_DIR", "hooks copied into new repositories"),
  stripEnv("SSH_ASKPASS", "a program ssh asks for passphrases"),
  stripEnv("GIT_PAGER", "a pager program from the daemon's environment"),
  stripEnv("GIT_EDITOR", "an editor program from the daemon's environment"),
  setEnv("GIT_PAGER", "cat", "beats core.pager and pager.* in the repository's config"),
  setEnv("GIT_EDITOR", ":", "beats core.editor in the repository's config"),
  setEnv("GIT_SEQUENCE_EDITOR", ":", "beats sequence.editor in the repository's config"),
  setEnv("GIT_SSH_COMMAND", "ssh", "the plain ssh, over core.sshCommand in the repository's config"),
  setEnv("GIT_PROXY_COMMAND", "", "no proxy program, over core.gitProxy in the repository's config"),
  setEnv(
    "GIT_ASKPASS",
    "",
    "no askpass program, over core.askPass in the repository's config and SSH_ASKPASS",
  ),
  setEnv("GIT_CONFIG_NOSYSTEM", "1", "the system config is not read"),
  setEnv("GIT_TERMINAL_PROMPT", "0", "git never waits on a terminal prompt"),
  setEnv("GIT_CONFIG_COUNT", "10", "ten config overrides follow"),
  setEnv("GIT_CONFIG_KEY_0", "core.hooksPath", "hooks in .git/hooks do not run"),
  setEnv("GIT_CONFIG_VALUE_0", "/dev/null", "hooks in .git/hooks do not run"),
  setEnv("GIT_CONFIG_KEY_1", "core.fsmonitor", "core.fsmonitor in .git/config does not run"),
  setEnv("GIT_CONFIG_VALUE_1", "false", "core.fsmonitor in .git/config does not run"),
  setEnv("GIT_CONFIG_KEY_2", "protocol.ext.allow", "the ext:: transport is off"),
  setEnv("GIT_CONFIG_VALUE_2", "never", "the ext:: transport is off"),
  setEnv("GIT_CONFIG_KEY_3", "protocol.fd.allow", "the fd:: transport is off"),
  setEnv("GIT_CONFIG_VALUE_3", "never", "the fd:: transport is off"),
  setEnv("GIT_CONFIG_KEY_4", "diff.ignoreSubmodules", "status and diff start no git inside a submodule"),
  setEnv("GIT_CONFIG_VALUE_4", "dirty", "status and diff start no git inside a submodule"),
  setEnv("GIT_CONFIG_KEY_5", "status.submoduleSummary", "status starts no git inside a submodule"),
  setEnv("GIT_CONFIG_VALUE_5", "false", "status starts no git inside a submodule"),
  setEnv("GIT_CONFIG_KEY_6", "fetch.recurseSubmodules", "fetch starts no fetch inside a submodule"),
  setEnv("GIT_CONFIG_VALUE_6", "false", "fetch starts no fetch inside a submodule"),
  setEnv("GIT_CONFIG_KEY_7", "push.recurseSubmodules", "push starts no push inside a submodule"),
  setEnv("GIT_CONFIG_VALUE_7", "no", "push starts no push inside a submodule"),
  setEnv("GIT_CONFIG_KEY_8", "submodule.recurse", "no command recurses into submodules"),
  setEnv("GIT_CONFIG_VALUE_8", "false", "no command recurses into submodules"),
  setEnv("GIT_CONFIG_KEY_9", "core.alternateRefsCommand", "no command lists the alternates' refs"),
  setEnv("GIT_CONFIG_VALUE_9", "", "no command lists the alternates' refs"),
];

describeCorpus(COMMAND, {
  sections: {
    "git built-in: 0.4's rules in every spelling git accepts": legacySpellings,
    "git built-in: bypasses of 0.4": bypassesOf04,
    "git built-in: programs named on the command line": programsOnTheCommandLine,
    "git built-in: merge strategies that name a program path": strategies,
    "git built-in: commands that print or store a credential": credentials,
    "git built-in: git config": gitConfig,
    "git built-in: paths outside the workspace": hostPaths,
    "git built-in: subcommands that hand their operands to fetch ([parse] forwards)": forwarded,
    "git built-in: full option names that prefix denied ones ([parse] long_options)": longOptionNames,
    "git built-in: false positives of 0.4": falsePositivesOf04,
    "git built-in: everyday commands": everyday,
  },
  envRows,
});
