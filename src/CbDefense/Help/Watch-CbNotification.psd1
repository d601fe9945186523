@{
    Synopsis    = 'Watches the SIEM notification queue and writes each notification as it arrives, durably with -StatePath.'
    Description = @'
Watch-CbNotification reads the notification queue every -IntervalSec seconds (default 60) and writes each
notification to the pipeline as it arrives. It runs until Ctrl+C (which stops it at once, also during a wait),
until -Count notifications were written, or until the time -Until. When a read returns a full batch it reads again
at once.

Failures: a transient failure (a timeout, a reset or refused connection, a 5xx, a 429 rate limit, an invalid reply)
writes a warning and the watch goes on after a backoff (the interval doubled per failure in a row, at most 5 minutes
or the interval); it never ends the watch. An authentication failure (401) ends it with an error that says whether a
SIEM key is what is missing: the notification queue accepts only keys with the access level SIEM.

Durability (-StatePath FILE): the queue is read-once, so a plain reader loses what it held when its process is
killed. With -StatePath, every batch read from the queue is written to FILE (to a temporary file flushed to disk,
then renamed over FILE) before any of it is written to the pipeline, and each notification leaves FILE only after it
was written to the pipeline (that is, after the downstream commands processed it). A watch started again with the
same FILE first writes what a killed or stopped watch left there. The file holds notifications only, never a key,
secret or session; one watch at a time may use it (a FILE.lock file is held while it runs).

Delivery is AT LEAST ONCE: after a crash, the notifications that were being passed on at that moment are written
again by the next watch, so a consumer should tolerate duplicates (EventId identifies a notification). Nothing is
lost across faults, Ctrl+C or a killed process. Without -StatePath, what was read but not yet written when the
process dies is lost. (One loss no client can prevent: a reply cut off on the wire, such as by a connection reset in
the middle of the body, after the server had already removed its notifications from the queue.)

-Count: with -StatePath, the watch ends right after the Count-th notification and the rest of that batch stays in
FILE for the next watch. Without -StatePath, the rest of the batch that reached Count is written too (the server
has already removed it from the queue).

On a Current session the command fails at once with an error that the notification API was retired (October
2024), and gives the equivalent Watch-CbAlert command line: alerts v7, polled by backend_timestamp behind a lag,
with its own durable -StatePath. Nothing is sent.
'@
    Parameters  = @{
        IntervalSec = 'Seconds between reads of the queue (1 to 86,400; default 60, the interval cbapi uses).'
        StatePath   = 'A file that keeps what was read until it was passed on, so a killed watch loses nothing (see the description). Created when missing; its folder must exist.'
        Count       = 'Ends the watch after this many notifications.'
        Until       = 'Ends the watch at this time.'
        Session     = 'The session to use (connected with a SIEM key); defaults to the default session.'
    }
    Outputs     = @{ 'CbDefense.Notification' = 'One object per notification, as it arrives.' }
    Examples    = @(
        @{ Code = 'Watch-CbNotification -IntervalSec 30 | Format-Table EventTime, Type, RuleName, EventDescription'; Remarks = 'Shows notifications as they arrive until Ctrl+C.' }
        @{ Code = 'Watch-CbNotification -StatePath C:\ProgramData\CbDefense\notify.state -Until (Get-Date).AddMinutes(55) | ForEach-Object { $_.ToJson() } | Add-Content -Path D:\siem\cb-notifications.jsonl'; Remarks = 'A scheduled task run every hour: forwards the notifications of the next 55 minutes to a JSON lines file that a SIEM collects. If the task is killed, the next run first writes what was read but not yet forwarded.' }
        @{ Code = @'
# Register once (as an administrator):
$action  = New-ScheduledTaskAction -Execute 'pwsh.exe' -Argument '-NoProfile -File C:\Scripts\Forward-CbNotifications.ps1'
$trigger = New-ScheduledTaskTrigger -Once -At (Get-Date) -RepetitionInterval (New-TimeSpan -Hours 1)
Register-ScheduledTask -TaskName 'CbDefense notifications' -Action $action -Trigger $trigger -User 'NT AUTHORITY\SYSTEM'

# C:\Scripts\Forward-CbNotifications.ps1 (the SIEM key is in the credentials profile "siem"):
Connect-CbDefense -ProfileName siem | Out-Null
Watch-CbNotification -StatePath C:\ProgramData\CbDefense\notify.state -Until (Get-Date).AddMinutes(58) |
    ForEach-Object {
        Write-EventLog -LogName Application -Source CbDefense -EventId 1000 -EntryType Warning -Message $_.ToJson()
    }
'@; Remarks = 'A scheduled task that writes every notification to the Windows Application event log (create the source once with New-EventLog -LogName Application -Source CbDefense). Delivery is at least once: a run that was killed mid-way may log a notification twice, never lose one.' }
        @{ Code = 'Watch-CbNotification -Count 1 -IntervalSec 5'; Remarks = 'Waits for the next notification and ends.' }
        @{ Code = 'Watch-CbNotification -StatePath ./notify.state -WarningAction SilentlyContinue | Where-Object { $_.ThreatInfo.Score -ge 7 } | ForEach-Object { Send-MailMessage -To soc@example.com -Subject $_.EventDescription -Body $_.Url -SmtpServer smtp.example.com }'; Remarks = 'Mails the high-score threats; transient failures are retried quietly.' }
    )
    Links       = @('Get-CbNotification', 'Watch-CbAlert', 'Connect-CbDefense')
}
