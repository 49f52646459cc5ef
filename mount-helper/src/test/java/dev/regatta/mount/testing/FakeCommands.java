package dev.regatta.mount.testing;

import dev.regatta.mount.host.CommandResult;
import dev.regatta.mount.host.CommandRunner;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Function;

/** Records commands instead of running them; answers with what the test says. */
public final class FakeCommands implements CommandRunner {

    public final List<List<String>> ran = new CopyOnWriteArrayList<>();
    private volatile Function<List<String>, CommandResult> answer = command -> new CommandResult(0, "", "");

    public void answer(Function<List<String>, CommandResult> answer) {
        this.answer = answer;
    }

    @Override
    public CommandResult run(List<String> command, Duration timeout) {
        ran.add(List.copyOf(command));
        return answer.apply(command);
    }

    public List<List<String>> ranCommand(String program) {
        return ran.stream().filter(command -> command.get(0).equals(program)).toList();
    }
}
