function __chatctl_should_offer_completions_for_flags_or_options -a expected_commands
    set -l non_repeating_flags_or_options $argv[2..]
    set -l non_repeating_flags_or_options_absent 0
    set -l positional_index 0
    set -l commands
    __chatctl_parse_tokens
    test "$commands" = "$expected_commands"; and return $non_repeating_flags_or_options_absent
end

function __chatctl_should_offer_completions_for_positional -a expected_commands positional_index_comparison expected_positional_index
    set -l non_repeating_flags_or_options
    set -l non_repeating_flags_or_options_absent 0
    set -l positional_index 0
    set -l commands
    __chatctl_parse_tokens
    test "$commands" = "$expected_commands" -a \( "$positional_index" "$positional_index_comparison" "$expected_positional_index" \)
end

function __chatctl_parse_tokens -S
    set -l unparsed_tokens (__chatctl_tokens -pc)
    switch $unparsed_tokens[1]
    case 'chatctl'
        __chatctl_parse_subcommand 0 'version' 'h/help'
        switch $unparsed_tokens[1]
        case 'serve'
            __chatctl_parse_subcommand 0 'host=' 'port=' 'env-file=' 'version' 'h/help'
        case 'tail'
            __chatctl_parse_subcommand 0 'url=' 'user=' 'password-stdin' 'env-file=' 'json' 'since=' 'history=' 'no-reconnect' 'version' 'h/help'
        case 'chat'
            __chatctl_parse_subcommand 0 'url=' 'user=' 'password-stdin' 'env-file=' 'version' 'h/help'
        case 'version'
            __chatctl_parse_subcommand 0 'version' 'h/help'
        case 'user'
            __chatctl_parse_subcommand 0 'version' 'h/help'
            switch $unparsed_tokens[1]
            case 'add'
                __chatctl_parse_subcommand 1 'email=' 'password-stdin' 'env-file=' 'version' 'h/help'
            case 'list'
                __chatctl_parse_subcommand 0 'json' 'env-file=' 'version' 'h/help'
            case 'passwd'
                __chatctl_parse_subcommand 1 'password-stdin' 'env-file=' 'version' 'h/help'
            case 'remove'
                __chatctl_parse_subcommand 1 'y/yes' 'env-file=' 'version' 'h/help'
            case 'sessions'
                __chatctl_parse_subcommand 1 'json' 'env-file=' 'version' 'h/help'
            case 'logout'
                __chatctl_parse_subcommand 1 'session=' 'env-file=' 'version' 'h/help'
            end
        case 'history'
            __chatctl_parse_subcommand 0 'version' 'h/help'
            switch $unparsed_tokens[1]
            case 'export'
                __chatctl_parse_subcommand 0 'out=' 'since=' 'until=' 'user=' 'array' 'canonical' 'env-file=' 'version' 'h/help'
            case 'import'
                __chatctl_parse_subcommand 1 'mode=' 'stop-on-error' 'dry-run' 'ignore-unknown-fields' 'env-file=' 'version' 'h/help'
            end
        case 'check'
            __chatctl_parse_subcommand 0 'json' 'env-file=' 'version' 'h/help'
        case 'config'
            __chatctl_parse_subcommand 0 'version' 'h/help'
            switch $unparsed_tokens[1]
            case 'init'
                __chatctl_parse_subcommand 0 'path=' 'example' 'version' 'h/help'
            end
        case 'help'
            __chatctl_parse_subcommand -r 1 'version'
        end
    end
end

function __chatctl_tokens
    if test (string split -m 1 -f 1 -- . "$FISH_VERSION") -gt 3
        commandline --tokens-raw $argv
    else
        commandline -o $argv
    end
end

function __chatctl_parse_subcommand -S -a positional_count
    argparse -s r -- $argv
    set -l option_specs $argv[2..]
    set -l is_repeating_positional $_flag_r
    set -el _flag_r
    set -a commands $unparsed_tokens[1]
    set positional_index 0
    while true
        set -e unparsed_tokens[1]
        argparse -sn "$commands" $option_specs -- $unparsed_tokens 2> /dev/null
        set unparsed_tokens $argv
        set positional_index (math $positional_index + 1)
        for non_repeating_flag_or_option in $non_repeating_flags_or_options
            if set -ql "_flag_$(string replace -a - _ -- $non_repeating_flag_or_option)"
                set non_repeating_flags_or_options_absent 1
                break
            end
        end
        test (count $unparsed_tokens) -eq 0 -o \( -z "$is_repeating_positional" -a "$positional_index" -gt "$positional_count" \) && break
    end
end

function __chatctl_complete_directories
    set -l token (commandline -t)
    string match -- '*/' $token
    set -l subdirs $token*/
    printf %s\n $subdirs
end

function __chatctl_custom_completion
    set -x SAP_SHELL fish
    set -x SAP_SHELL_VERSION $FISH_VERSION
    set -l tokens (__chatctl_tokens -p)
    if test -z "$(__chatctl_tokens -t)"
        set -l index (count (__chatctl_tokens -pc))
        set tokens $tokens[..$index] \'\' $tokens[(math $index + 1)..]
    end
    command $tokens[1] $argv $tokens
end

complete -c 'chatctl' -f
complete -c 'chatctl' -n '__chatctl_should_offer_completions_for_flags_or_options "chatctl" version' -l 'version' -d 'Show the version.'
complete -c 'chatctl' -n '__chatctl_should_offer_completions_for_flags_or_options "chatctl" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'chatctl' -n '__chatctl_should_offer_completions_for_positional "chatctl" -eq 1' -fa 'serve' -d 'Run the chat server.'
complete -c 'chatctl' -n '__chatctl_should_offer_completions_for_positional "chatctl" -eq 1' -fa 'tail' -d 'Follow the chat live: print each message, join and leave as it arrives.'
complete -c 'chatctl' -n '__chatctl_should_offer_completions_for_positional "chatctl" -eq 1' -fa 'chat' -d 'Join the chat from a terminal (line editing and history by GNU readline).'
complete -c 'chatctl' -n '__chatctl_should_offer_completions_for_positional "chatctl" -eq 1' -fa 'version' -d 'Print the version of chatctl.'
complete -c 'chatctl' -n '__chatctl_should_offer_completions_for_positional "chatctl" -eq 1' -fa 'user' -d 'Manage accounts: add, list, change passwords, remove; list and end their sessions.'
complete -c 'chatctl' -n '__chatctl_should_offer_completions_for_positional "chatctl" -eq 1' -fa 'history' -d 'Export and import chat history as MongoDB Extended JSON.'
complete -c 'chatctl' -n '__chatctl_should_offer_completions_for_positional "chatctl" -eq 1' -fa 'check' -d 'Check the configuration and the store, and say how to fix what is wrong.'
complete -c 'chatctl' -n '__chatctl_should_offer_completions_for_positional "chatctl" -eq 1' -fa 'config' -d 'Create configuration files.'
complete -c 'chatctl' -n '__chatctl_should_offer_completions_for_positional "chatctl" -eq 1' -fa 'help' -d 'Show subcommand help information.'
complete -c 'chatctl' -n '__chatctl_should_offer_completions_for_flags_or_options "chatctl serve" host' -l 'host' -d 'Listen address (HOST).' -rfka ''
complete -c 'chatctl' -n '__chatctl_should_offer_completions_for_flags_or_options "chatctl serve" port' -l 'port' -d 'Listen port (PORT).' -rfka ''
complete -c 'chatctl' -n '__chatctl_should_offer_completions_for_flags_or_options "chatctl serve" env-file' -l 'env-file' -d 'Read configuration from this .env file (default: ./.env when present).' -rfka ''
complete -c 'chatctl' -n '__chatctl_should_offer_completions_for_flags_or_options "chatctl serve" version' -l 'version' -d 'Show the version.'
complete -c 'chatctl' -n '__chatctl_should_offer_completions_for_flags_or_options "chatctl serve" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'chatctl' -n '__chatctl_should_offer_completions_for_flags_or_options "chatctl tail" url' -l 'url' -d 'The chat server (default: http://HOST:PORT from the configuration). https:// uses TLS, trusting SSL_CERT_FILE when set.' -rfka ''
complete -c 'chatctl' -n '__chatctl_should_offer_completions_for_flags_or_options "chatctl tail" user' -l 'user' -d 'Log in as this user (default: CHATCTL_USER, else asked on a terminal).' -rfka ''
complete -c 'chatctl' -n '__chatctl_should_offer_completions_for_flags_or_options "chatctl tail" password-stdin' -l 'password-stdin' -d 'Read the password from the first line of standard input (else CHATCTL_PASSWORD, else a prompt on a terminal).'
complete -c 'chatctl' -n '__chatctl_should_offer_completions_for_flags_or_options "chatctl tail" env-file' -l 'env-file' -d 'Read configuration from this .env file (default: ./.env when present).' -rfka ''
complete -c 'chatctl' -n '__chatctl_should_offer_completions_for_flags_or_options "chatctl tail" json' -l 'json' -d 'Print the server\'s JSON objects, one per line.'
complete -c 'chatctl' -n '__chatctl_should_offer_completions_for_flags_or_options "chatctl tail" since' -l 'since' -d 'First replay every message after this id (24 hex digits).' -rfka ''
complete -c 'chatctl' -n '__chatctl_should_offer_completions_for_flags_or_options "chatctl tail" history' -l 'history' -d 'First print the last N stored messages.' -rfka ''
complete -c 'chatctl' -n '__chatctl_should_offer_completions_for_flags_or_options "chatctl tail" no-reconnect' -l 'no-reconnect' -d 'Exit 1 when the connection drops instead of reconnecting.'
complete -c 'chatctl' -n '__chatctl_should_offer_completions_for_flags_or_options "chatctl tail" version' -l 'version' -d 'Show the version.'
complete -c 'chatctl' -n '__chatctl_should_offer_completions_for_flags_or_options "chatctl tail" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'chatctl' -n '__chatctl_should_offer_completions_for_flags_or_options "chatctl chat" url' -l 'url' -d 'The chat server (default: http://HOST:PORT from the configuration). https:// uses TLS, trusting SSL_CERT_FILE when set.' -rfka ''
complete -c 'chatctl' -n '__chatctl_should_offer_completions_for_flags_or_options "chatctl chat" user' -l 'user' -d 'Log in as this user (default: CHATCTL_USER, else asked on a terminal).' -rfka ''
complete -c 'chatctl' -n '__chatctl_should_offer_completions_for_flags_or_options "chatctl chat" password-stdin' -l 'password-stdin' -d 'Read the password from the first line of standard input (else CHATCTL_PASSWORD, else a prompt on a terminal).'
complete -c 'chatctl' -n '__chatctl_should_offer_completions_for_flags_or_options "chatctl chat" env-file' -l 'env-file' -d 'Read configuration from this .env file (default: ./.env when present).' -rfka ''
complete -c 'chatctl' -n '__chatctl_should_offer_completions_for_flags_or_options "chatctl chat" version' -l 'version' -d 'Show the version.'
complete -c 'chatctl' -n '__chatctl_should_offer_completions_for_flags_or_options "chatctl chat" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'chatctl' -n '__chatctl_should_offer_completions_for_flags_or_options "chatctl version" version' -l 'version' -d 'Show the version.'
complete -c 'chatctl' -n '__chatctl_should_offer_completions_for_flags_or_options "chatctl version" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'chatctl' -n '__chatctl_should_offer_completions_for_flags_or_options "chatctl user" version' -l 'version' -d 'Show the version.'
complete -c 'chatctl' -n '__chatctl_should_offer_completions_for_flags_or_options "chatctl user" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'chatctl' -n '__chatctl_should_offer_completions_for_positional "chatctl user" -eq 1' -fa 'add' -d 'Create an account.'
complete -c 'chatctl' -n '__chatctl_should_offer_completions_for_positional "chatctl user" -eq 1' -fa 'list' -d 'List accounts, sorted by login.'
complete -c 'chatctl' -n '__chatctl_should_offer_completions_for_positional "chatctl user" -eq 1' -fa 'passwd' -d 'Set a new password for an account.'
complete -c 'chatctl' -n '__chatctl_should_offer_completions_for_positional "chatctl user" -eq 1' -fa 'remove' -d 'Remove an account; its messages stay in history.'
complete -c 'chatctl' -n '__chatctl_should_offer_completions_for_positional "chatctl user" -eq 1' -fa 'sessions' -d 'List an account\'s sessions (log-ins), newest first.'
complete -c 'chatctl' -n '__chatctl_should_offer_completions_for_positional "chatctl user" -eq 1' -fa 'logout' -d 'End an account\'s sessions: all its active ones, or the one --session names.'
complete -c 'chatctl' -n '__chatctl_should_offer_completions_for_flags_or_options "chatctl user add" email' -l 'email' -d 'The account\'s email address.' -rfka ''
complete -c 'chatctl' -n '__chatctl_should_offer_completions_for_flags_or_options "chatctl user add" password-stdin' -l 'password-stdin' -d 'Read the password from the first line of standard input instead of prompting.'
complete -c 'chatctl' -n '__chatctl_should_offer_completions_for_flags_or_options "chatctl user add" env-file' -l 'env-file' -d 'Read configuration from this .env file (default: ./.env when present).' -rfka ''
complete -c 'chatctl' -n '__chatctl_should_offer_completions_for_flags_or_options "chatctl user add" version' -l 'version' -d 'Show the version.'
complete -c 'chatctl' -n '__chatctl_should_offer_completions_for_flags_or_options "chatctl user add" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'chatctl' -n '__chatctl_should_offer_completions_for_flags_or_options "chatctl user list" json' -l 'json' -d 'Print a JSON array instead of a table.'
complete -c 'chatctl' -n '__chatctl_should_offer_completions_for_flags_or_options "chatctl user list" env-file' -l 'env-file' -d 'Read configuration from this .env file (default: ./.env when present).' -rfka ''
complete -c 'chatctl' -n '__chatctl_should_offer_completions_for_flags_or_options "chatctl user list" version' -l 'version' -d 'Show the version.'
complete -c 'chatctl' -n '__chatctl_should_offer_completions_for_flags_or_options "chatctl user list" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'chatctl' -n '__chatctl_should_offer_completions_for_flags_or_options "chatctl user passwd" password-stdin' -l 'password-stdin' -d 'Read the password from the first line of standard input instead of prompting.'
complete -c 'chatctl' -n '__chatctl_should_offer_completions_for_flags_or_options "chatctl user passwd" env-file' -l 'env-file' -d 'Read configuration from this .env file (default: ./.env when present).' -rfka ''
complete -c 'chatctl' -n '__chatctl_should_offer_completions_for_flags_or_options "chatctl user passwd" version' -l 'version' -d 'Show the version.'
complete -c 'chatctl' -n '__chatctl_should_offer_completions_for_flags_or_options "chatctl user passwd" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'chatctl' -n '__chatctl_should_offer_completions_for_flags_or_options "chatctl user remove" y yes' -s 'y' -l 'yes' -d 'Do not ask for confirmation.'
complete -c 'chatctl' -n '__chatctl_should_offer_completions_for_flags_or_options "chatctl user remove" env-file' -l 'env-file' -d 'Read configuration from this .env file (default: ./.env when present).' -rfka ''
complete -c 'chatctl' -n '__chatctl_should_offer_completions_for_flags_or_options "chatctl user remove" version' -l 'version' -d 'Show the version.'
complete -c 'chatctl' -n '__chatctl_should_offer_completions_for_flags_or_options "chatctl user remove" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'chatctl' -n '__chatctl_should_offer_completions_for_flags_or_options "chatctl user sessions" json' -l 'json' -d 'Print a JSON array instead of a table.'
complete -c 'chatctl' -n '__chatctl_should_offer_completions_for_flags_or_options "chatctl user sessions" env-file' -l 'env-file' -d 'Read configuration from this .env file (default: ./.env when present).' -rfka ''
complete -c 'chatctl' -n '__chatctl_should_offer_completions_for_flags_or_options "chatctl user sessions" version' -l 'version' -d 'Show the version.'
complete -c 'chatctl' -n '__chatctl_should_offer_completions_for_flags_or_options "chatctl user sessions" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'chatctl' -n '__chatctl_should_offer_completions_for_flags_or_options "chatctl user logout" session' -l 'session' -d 'End only this session (its ID from `chatctl user sessions`).' -rfka ''
complete -c 'chatctl' -n '__chatctl_should_offer_completions_for_flags_or_options "chatctl user logout" env-file' -l 'env-file' -d 'Read configuration from this .env file (default: ./.env when present).' -rfka ''
complete -c 'chatctl' -n '__chatctl_should_offer_completions_for_flags_or_options "chatctl user logout" version' -l 'version' -d 'Show the version.'
complete -c 'chatctl' -n '__chatctl_should_offer_completions_for_flags_or_options "chatctl user logout" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'chatctl' -n '__chatctl_should_offer_completions_for_flags_or_options "chatctl history" version' -l 'version' -d 'Show the version.'
complete -c 'chatctl' -n '__chatctl_should_offer_completions_for_flags_or_options "chatctl history" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'chatctl' -n '__chatctl_should_offer_completions_for_positional "chatctl history" -eq 1' -fa 'export' -d 'Write history, oldest first, as MongoDB Extended JSON.'
complete -c 'chatctl' -n '__chatctl_should_offer_completions_for_positional "chatctl history" -eq 1' -fa 'import' -d 'Read MongoDB Extended JSON history into the store.'
complete -c 'chatctl' -n '__chatctl_should_offer_completions_for_flags_or_options "chatctl history export" out' -l 'out' -d 'Write to this file (atomically) instead of standard output.' -rfka ''
complete -c 'chatctl' -n '__chatctl_should_offer_completions_for_flags_or_options "chatctl history export" since' -l 'since' -d 'Only messages at or after this time.' -rfka ''
complete -c 'chatctl' -n '__chatctl_should_offer_completions_for_flags_or_options "chatctl history export" until' -l 'until' -d 'Only messages before this time.' -rfka ''
complete -c 'chatctl' -n '__chatctl_should_offer_completions_for_flags_or_options "chatctl history export" user' -l 'user' -d 'Only messages sent by this login.' -rfka ''
complete -c 'chatctl' -n '__chatctl_should_offer_completions_for_flags_or_options "chatctl history export" array' -l 'array' -d 'Write one JSON array instead of one document per line.'
complete -c 'chatctl' -n '__chatctl_should_offer_completions_for_flags_or_options "chatctl history export" canonical' -l 'canonical' -d 'Canonical Extended JSON (dates as $numberLong milliseconds).'
complete -c 'chatctl' -n '__chatctl_should_offer_completions_for_flags_or_options "chatctl history export" env-file' -l 'env-file' -d 'Read configuration from this .env file (default: ./.env when present).' -rfka ''
complete -c 'chatctl' -n '__chatctl_should_offer_completions_for_flags_or_options "chatctl history export" version' -l 'version' -d 'Show the version.'
complete -c 'chatctl' -n '__chatctl_should_offer_completions_for_flags_or_options "chatctl history export" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'chatctl' -n '__chatctl_should_offer_completions_for_flags_or_options "chatctl history import" mode' -l 'mode' -d 'insert: skip documents whose _id exists; upsert: replace them.' -rfka 'insert upsert'
complete -c 'chatctl' -n '__chatctl_should_offer_completions_for_flags_or_options "chatctl history import" stop-on-error' -l 'stop-on-error' -d 'Stop at the first refused document (exit 1).'
complete -c 'chatctl' -n '__chatctl_should_offer_completions_for_flags_or_options "chatctl history import" dry-run' -l 'dry-run' -d 'Validate only; write nothing.'
complete -c 'chatctl' -n '__chatctl_should_offer_completions_for_flags_or_options "chatctl history import" ignore-unknown-fields' -l 'ignore-unknown-fields' -d 'Drop fields other than _id, user, msg and time instead of refusing the document.'
complete -c 'chatctl' -n '__chatctl_should_offer_completions_for_flags_or_options "chatctl history import" env-file' -l 'env-file' -d 'Read configuration from this .env file (default: ./.env when present).' -rfka ''
complete -c 'chatctl' -n '__chatctl_should_offer_completions_for_flags_or_options "chatctl history import" version' -l 'version' -d 'Show the version.'
complete -c 'chatctl' -n '__chatctl_should_offer_completions_for_flags_or_options "chatctl history import" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'chatctl' -n '__chatctl_should_offer_completions_for_flags_or_options "chatctl check" json' -l 'json' -d 'Print the report as JSON.'
complete -c 'chatctl' -n '__chatctl_should_offer_completions_for_flags_or_options "chatctl check" env-file' -l 'env-file' -d 'Read configuration from this .env file (default: ./.env when present).' -rfka ''
complete -c 'chatctl' -n '__chatctl_should_offer_completions_for_flags_or_options "chatctl check" version' -l 'version' -d 'Show the version.'
complete -c 'chatctl' -n '__chatctl_should_offer_completions_for_flags_or_options "chatctl check" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'chatctl' -n '__chatctl_should_offer_completions_for_flags_or_options "chatctl config" version' -l 'version' -d 'Show the version.'
complete -c 'chatctl' -n '__chatctl_should_offer_completions_for_flags_or_options "chatctl config" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'chatctl' -n '__chatctl_should_offer_completions_for_positional "chatctl config" -eq 1' -fa 'init' -d 'Write a new .env with every variable documented and a fresh SECRET_KEY.'
complete -c 'chatctl' -n '__chatctl_should_offer_completions_for_flags_or_options "chatctl config init" path' -l 'path' -d 'Where to write the file.' -rfka ''
complete -c 'chatctl' -n '__chatctl_should_offer_completions_for_flags_or_options "chatctl config init" example' -l 'example' -d 'Print the template without a secret to stdout instead (this is how .env.example is made).'
complete -c 'chatctl' -n '__chatctl_should_offer_completions_for_flags_or_options "chatctl config init" version' -l 'version' -d 'Show the version.'
complete -c 'chatctl' -n '__chatctl_should_offer_completions_for_flags_or_options "chatctl config init" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'chatctl' -n '__chatctl_should_offer_completions_for_flags_or_options "chatctl help" version' -l 'version' -d 'Show the version.'
