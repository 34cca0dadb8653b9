import nodemailer from 'nodemailer';

/** An email to send. */
export interface AlarmEmail {
  to: string[];
  subject: string;
  text: string;
}

/** Sends alarm emails; `send` throws when the SMTP server refuses or cannot be reached. */
export interface EmailSender {
  send(mail: AlarmEmail): Promise<void>;
  close(): void;
}

/**
 * An {@link EmailSender} over SMTP (nodemailer, pooled connections). `url` is
 * `smtp://user:pass@host:587` (STARTTLS when offered) or `smtps://…` (TLS from the start);
 * credentials come only from it.
 */
export function smtpSender(url: string, from: string): EmailSender {
  const transport = nodemailer.createTransport({
    url,
    // A few pooled connections are enough for alarms and keep a failure storm from opening hundreds.
    pool: true,
    maxConnections: 3,
    // Nodemailer waits minutes by default; an unreachable server should fail a try in seconds.
    connectionTimeout: 10_000,
    greetingTimeout: 10_000,
    socketTimeout: 30_000,
  });
  return {
    async send(mail) {
      await transport.sendMail({ from, to: mail.to, subject: mail.subject, text: mail.text });
    },
    close() {
      transport.close();
    },
  };
}
